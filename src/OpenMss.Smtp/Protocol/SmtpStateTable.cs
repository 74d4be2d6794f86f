namespace OpenMss.Smtp.Protocol;

/// <summary>Where an SMTP session stands in the command sequence of RFC 5321 §4.1.4.</summary>
public enum SmtpState
{
    /// <summary>Greeting sent (or STARTTLS just completed): only EHLO/HELO opens the dialogue.</summary>
    Connected = 0,

    /// <summary>EHLO/HELO accepted, no transaction in progress.</summary>
    Greeted,

    /// <summary>MAIL FROM accepted, no recipient accepted yet.</summary>
    MailFrom,

    /// <summary>At least one RCPT TO accepted: DATA may follow.</summary>
    RcptTo,
}

/// <summary>
/// The declarative table of which command is allowed in which state, and the reply to a command
/// out of sequence (RFC 5321 §4.1.4 and §3.3; RFC 3207 §4.2 for STARTTLS; RFC 2920 §3.1 for
/// DATA without any valid recipient). The session consults it before executing a command and
/// moves to <see cref="Next"/> when the command succeeds.
/// </summary>
public static class SmtpStateTable
{
    private static readonly int StateCount = Enum.GetValues<SmtpState>().Length;
    private static readonly int VerbCount = Enum.GetValues<SmtpVerb>().Length;

    // null = allowed. Columns: Connected, Greeted, MailFrom, RcptTo.
    private static readonly (SmtpVerb Verb, SmtpReply? Connected, SmtpReply? Greeted, SmtpReply? MailFrom, SmtpReply? RcptTo)[] Rules =
    [
        (SmtpVerb.Ehlo,     null,                  null,                  null,                           null),
        (SmtpVerb.Helo,     null,                  null,                  null,                           null),
        (SmtpVerb.Mail,     SmtpReplies.NeedHelo,  null,                  SmtpReplies.NestedMail,         SmtpReplies.NestedMail),
        (SmtpVerb.Rcpt,     SmtpReplies.NeedHelo,  SmtpReplies.NeedMail,  null,                           null),
        (SmtpVerb.Data,     SmtpReplies.NeedHelo,  SmtpReplies.NeedMail,  SmtpReplies.NoValidRecipients,  null),
        (SmtpVerb.Rset,     null,                  null,                  null,                           null),
        (SmtpVerb.Noop,     null,                  null,                  null,                           null),
        (SmtpVerb.Quit,     null,                  null,                  null,                           null),
        (SmtpVerb.Vrfy,     null,                  null,                  null,                           null),
        (SmtpVerb.Expn,     null,                  null,                  null,                           null),
        (SmtpVerb.Help,     null,                  null,                  null,                           null),
        (SmtpVerb.StartTls, SmtpReplies.NeedHelo,  null,                  SmtpReplies.BadSequence,        SmtpReplies.BadSequence),
        (SmtpVerb.Auth,     SmtpReplies.NeedHelo,  null,                  SmtpReplies.BadSequence,        SmtpReplies.BadSequence),
        // CHUNKING is not advertised: BDAT is "not implemented" (502) wherever it comes.
        (SmtpVerb.Bdat,     null,                  null,                  null,                           null),
    ];

    // Once TLS is active, STARTTLS is out of sequence whatever the state (RFC 3207 §4.2).
    private static readonly SmtpReply?[,] Plain = Build(tls: false);
    private static readonly SmtpReply?[,] Tls = Build(tls: true);

    /// <summary>Null when <paramref name="verb"/> is allowed in <paramref name="state"/>, else the 503/554 reply to send.</summary>
    public static SmtpReply? Check(SmtpState state, SmtpVerb verb, bool tlsActive)
        => verb == SmtpVerb.Unknown
            ? SmtpReplies.CommandUnrecognized
            : (tlsActive ? Tls : Plain)[(int)state, (int)verb];

    /// <summary>The state after <paramref name="verb"/> succeeded in <paramref name="state"/>.</summary>
    public static SmtpState Next(SmtpState state, SmtpVerb verb) => verb switch
    {
        SmtpVerb.Ehlo or SmtpVerb.Helo => SmtpState.Greeted,
        SmtpVerb.Mail => SmtpState.MailFrom,
        SmtpVerb.Rcpt => SmtpState.RcptTo,

        // The end of DATA (whatever its outcome) and RSET end the transaction (RFC 5321 §4.1.1.4, §4.1.1.5).
        SmtpVerb.Data => SmtpState.Greeted,
        SmtpVerb.Rset => state == SmtpState.Connected ? SmtpState.Connected : SmtpState.Greeted,

        // RFC 3207 §4.2: after the handshake the client must start over with EHLO.
        SmtpVerb.StartTls => SmtpState.Connected,
        _ => state,
    };

    private static SmtpReply?[,] Build(bool tls)
    {
        var table = new SmtpReply?[StateCount, VerbCount];
        for (var s = 0; s < StateCount; s++)
        {
            // A verb without a row is never allowed: forgetting a rule must not open a hole.
            for (var v = 0; v < VerbCount; v++)
            {
                table[s, v] = SmtpReplies.BadSequence;
            }

            table[s, (int)SmtpVerb.Unknown] = SmtpReplies.CommandUnrecognized;
        }

        foreach (var (verb, connected, greeted, mailFrom, rcptTo) in Rules)
        {
            table[(int)SmtpState.Connected, (int)verb] = connected;
            table[(int)SmtpState.Greeted, (int)verb] = greeted;
            table[(int)SmtpState.MailFrom, (int)verb] = mailFrom;
            table[(int)SmtpState.RcptTo, (int)verb] = rcptTo;
        }

        if (tls)
        {
            for (var s = 0; s < StateCount; s++)
            {
                table[s, (int)SmtpVerb.StartTls] = SmtpReplies.TlsAlreadyActive;
            }
        }

        return table;
    }
}
