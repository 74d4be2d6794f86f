using System.Text;
using OpenMss.Imap.Protocol;
using OpenMss.Sasl;

namespace OpenMss.Imap.Server;

/// <summary>LOGIN and AUTHENTICATE (PLAIN, OAUTHBEARER, XOAUTH2), only over TLS.</summary>
internal sealed partial class ImapSession
{
    private async Task LoginAsync(ImapCommand c, CancellationToken ct)
    {
        if (!tls)
        {
            await No(c, ImapReplies.LoginNeedsTls).ConfigureAwait(false);
            return;
        }

        if (!options.AllowPasswordAuthentication)
        {
            await No(c, ImapReplies.PasswordsDisabled).ConfigureAwait(false);
            return;
        }

        if (c.Arguments.Count != 2 || !c.Arguments[0].IsAString || !c.Arguments[1].IsAString)
        {
            throw new CommandSyntaxException("LOGIN needs a user name and a password");
        }

        var result = await authenticator.AuthenticatePasswordAsync(c.Arguments[0].Text, c.Arguments[1].Text, null, Client, ct).ConfigureAwait(false);
        await CompleteAuthenticationAsync(c, result, c.Arguments[0].Text, ct).ConfigureAwait(false);
    }

    private async Task AuthenticateAsync(ImapCommand c, CancellationToken ct)
    {
        if (c.Arguments.Count is < 1 or > 2 || c.Arguments[0].Kind != ImapNodeKind.Atom)
        {
            throw new CommandSyntaxException("AUTHENTICATE needs a mechanism");
        }

        if (!tls)
        {
            await No(c, ImapReplies.AuthenticateNeedsTls).ConfigureAwait(false);
            return;
        }

        var mechanism = c.Arguments[0].Text.ToUpperInvariant();
        if (mechanism is not ("OAUTHBEARER" or "XOAUTH2") && !(mechanism == "PLAIN" && options.AllowPasswordAuthentication))
        {
            await No(c, ImapReplies.UnsupportedMechanism).ConfigureAwait(false);
            return;
        }

        string encoded;
        if (c.Arguments.Count == 2)
        {
            encoded = c.Arguments[1].Text;
        }
        else
        {
            output.Line("+ ");
            await FlushAsync(ct).ConfigureAwait(false);
            var line = await ReadLineAsync(ct).ConfigureAwait(false) ?? throw new IOException("Connection closed during authentication");
            encoded = Encoding.ASCII.GetString(line.Bytes);
            if (line.TooLong)
            {
                throw new CommandSyntaxException("Authentication data too long");
            }
        }

        if (SaslText.IsCancellation(encoded))
        {
            throw new CommandSyntaxException("Authentication cancelled");
        }

        // One parser for IMAP and SMTP submission (OpenMss.Sasl): both refuse the same responses.
        ImapAuthenticationResult result;
        string attemptedUser;
        bool isToken;
        switch (mechanism)
        {
            case "PLAIN" when PlainMessage.TryParseBase64(encoded, out var plain, out _):
                attemptedUser = plain.AuthenticationIdentity;
                isToken = false;
                result = await authenticator.AuthenticatePasswordAsync(plain.AuthenticationIdentity, plain.Password, plain.RequestedAuthorizationIdentity, Client, ct).ConfigureAwait(false);
                break;
            case "OAUTHBEARER" when OAuthBearerMessage.TryParseBase64(encoded, out var bearer, out _):
                attemptedUser = "token";
                isToken = true;
                result = await authenticator.AuthenticateTokenAsync(bearer.Token, null, bearer.AuthorizationIdentity, Client, ct).ConfigureAwait(false);
                break;
            case "XOAUTH2" when XOAuth2Message.TryParseBase64(encoded, out var xoauth2, out _):
                attemptedUser = xoauth2.User;
                isToken = true;
                result = await authenticator.AuthenticateTokenAsync(xoauth2.Token, xoauth2.User, null, Client, ct).ConfigureAwait(false);
                break;
            default:
                throw new CommandSyntaxException("Malformed " + mechanism + " message");
        }

        if (!result.Succeeded && isToken)
        {
            // RFC 7628 §3.2.2: the failure is a challenge with an error document, answered by the client with %x01.
            output.Line("+ " + OAuthBearerError.ForInvalidToken(options.OpenIdConfiguration, options.TokenScope).ToBase64());
            await FlushAsync(ct).ConfigureAwait(false);
            _ = await ReadLineAsync(ct).ConfigureAwait(false);
        }

        await CompleteAuthenticationAsync(c, result, attemptedUser, ct).ConfigureAwait(false);
    }

    private async Task CompleteAuthenticationAsync(ImapCommand c, ImapAuthenticationResult result, string attemptedUser, CancellationToken ct)
    {
        if (!result.Succeeded)
        {
            await AuditAsync("login", "failed", null, ct, actor: attemptedUser).ConfigureAwait(false);
            await No(c, result.TemporaryFailure
                ? ImapReplies.TooManyFailures
                : ImapReplies.AuthenticationFailed).ConfigureAwait(false);
            return;
        }

        var found = await mailboxes.FindMailboxAsync(result.Principal!.MailboxAddress, ct).ConfigureAwait(false);
        if (found is null)
        {
            await AuditAsync("login", "refused", "no mailbox", ct, actor: result.Principal.Actor).ConfigureAwait(false);
            await No(c, ImapReplies.NoMailboxForIdentity).ConfigureAwait(false);
            return;
        }

        principal = result.Principal;
        lastAuthorizationCheck = time.GetUtcNow();
        mailbox = found;
        state = ImapState.Authenticated;
        await AuditAsync("login", "ok", null, ct).ConfigureAwait(false);
        await Ok(c, $"[CAPABILITY {Capabilities()}] Logged in").ConfigureAwait(false);
    }
}
