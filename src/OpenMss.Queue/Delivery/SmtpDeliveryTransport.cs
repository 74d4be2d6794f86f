using System.Net.Sockets;
using TlsAuthenticationException = System.Security.Authentication.AuthenticationException;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using OpenMss.Storage;
using OpenMss.Trust;

namespace OpenMss.Queue.Delivery;

/// <summary>
/// Carries one queue entry to the destination operator over SMTP (RFC 5321; ANS, MSSanté référentiel #2, operator): the relays of
/// the destination domain are tried in order until one answers; the session requires STARTTLS
/// with TLS 1.2 or 1.3, presents the operator certificate, and accepts the server only if its
/// certificate chains to the trust anchor and names the destination domain. One transaction
/// carries all the recipients of the entry; each gets its own result.
/// </summary>
public sealed partial class SmtpDeliveryTransport : IDeliveryTransport
{
    private readonly IRouteResolver routes;
    private readonly TrustValidator trust;
    private readonly DeliveryQueueOptions options;
    private readonly ILogger logger;
    private readonly TimeProvider time;

    public SmtpDeliveryTransport(IRouteResolver routes, TrustValidator trust, DeliveryQueueOptions options, ILogger<SmtpDeliveryTransport>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(trust);
        ArgumentNullException.ThrowIfNull(options);
        this.routes = routes;
        this.trust = trust;
        this.options = options;
        this.logger = logger ?? NullLogger<SmtpDeliveryTransport>.Instance;
        time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// Makes one delivery attempt of <paramref name="entry"/> for <paramref name="recipients"/>
    /// (its pending recipients). Never throws for network or protocol failures: they become
    /// deferred results; only cancellation propagates.
    /// </summary>
    public async Task<DeliveryAttemptResult> DeliverAsync(QueueEntry entry, IReadOnlyList<QueueRecipient> recipients, byte[] raw, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(raw);

        IReadOnlyList<RelayEndpoint> endpoints;
        try
        {
            endpoints = await routes.ResolveAsync(entry.Domain, cancellationToken).ConfigureAwait(false);
        }
        catch (RouteResolutionException ex)
        {
            // DNS or directory trouble is transient by nature: keep the message and retry.
            LogRouteLookupFailed(entry.Id, entry.Domain, ex.Message);
            return AllRecipients(recipients, RecipientResult.Deferred, "4.4.3", $"x-openmss; route lookup for {entry.Domain} failed", remoteMta: null, $"route lookup failed: {ex.Message}");
        }

        if (endpoints.Count == 0)
        {
            LogNoRoute(entry.Id, entry.Domain);
            return AllRecipients(recipients, RecipientResult.Failed, "5.1.2", $"x-openmss; no relay known for {entry.Domain} in the trust space", remoteMta: null, $"no route to {entry.Domain}");
        }

        MimeMessage message;
        using (var stream = new MemoryStream(raw, writable: false))
        {
            message = await MimeMessage.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        string status = "4.4.1";
        string error = "no relay answered";
        foreach (var endpoint in endpoints)
        {
            using var client = new RelaySmtpClient(entry, recipients, options.ClientCertificate, trust)
            {
                LocalDomain = options.HostName,
                Timeout = (int)options.ConnectTimeout.TotalMilliseconds,
                DeliveryStatusNotificationType = entry.ReturnFullMessage ? DeliveryStatusNotificationType.Full : DeliveryStatusNotificationType.HeadersOnly,
            };

            var where = $"{endpoint.Host}:{endpoint.Port}";
            // On the worker's clock (MailKit's own socket timeout, Timeout above, is a second guard in real time).
            using var connectTimer = new CancellationTokenSource(options.ConnectTimeout, time);
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connectTimer.Token);
            try
            {
                await client.ConnectAsync(endpoint.Host, endpoint.Port, SecureSocketOptions.StartTls, connectTimeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsConnectFailure(ex))
            {
                (status, var reason) = ClassifyConnectFailure(ex, client.ServerCheck, connectTimeout.IsCancellationRequested);
                error = $"{where}: {reason}";
                LogConnectFailed(entry.Id, entry.Domain, where, status, reason);
                continue;
            }

            client.Timeout = (int)options.CommandTimeout.TotalMilliseconds;
            try
            {
                return await TransactAsync(client, entry, recipients, message, raw, endpoint.Host, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await QuitAsync(client, entry.Id).ConfigureAwait(false);
            }
        }

        return AllRecipients(recipients, RecipientResult.Deferred, status, "x-openmss; " + error, remoteMta: null, error);
    }

    private async Task<DeliveryAttemptResult> TransactAsync(RelaySmtpClient client, QueueEntry entry, IReadOnlyList<QueueRecipient> recipients, MimeMessage message, byte[] raw, string remoteMta, CancellationToken cancellationToken)
    {
        var supportsDsn = client.Capabilities.HasFlag(SmtpCapabilities.Dsn);

        // MailKit writes "MAIL FROM:<>" for an empty address: the null reverse-path of notifications.
        var sender = new MailboxAddress(string.Empty, entry.MailFrom);
        var mailboxes = recipients.Select(r => new MailboxAddress(string.Empty, r.Address)).ToList();

        int dataCode;
        string dataText;
        try
        {
            // MailKit cannot relay a submitter's ORCPT (it always writes the RCPT TO address):
            // such transactions are written through its command channel instead.
            string? verbatim = null;
            if (supportsDsn && client.HasOriginalRecipients(recipients))
            {
                verbatim = await client.SendPreservingOriginalRecipientsAsync(entry.MailFrom, recipients, raw, entry.ReturnFullMessage, cancellationToken).ConfigureAwait(false);
            }

            dataText = verbatim ?? await client.SendAsync(FormatOptions.Default, message, sender, mailboxes, cancellationToken).ConfigureAwait(false);
            dataCode = 250;
        }
        catch (SmtpCommandException ex) when (ex.ErrorCode == SmtpErrorCode.SenderNotAccepted)
        {
            var code = (int)ex.StatusCode;
            LogReply(entry.Id, entry.Domain, "MAIL", code);
            var result = SmtpReply.IsPermanent(code) ? RecipientResult.Failed : RecipientResult.Deferred;
            return AllRecipients(recipients, result, SmtpReply.Status(code, ex.Message), SmtpReply.Diagnostic(code, ex.Message), remoteMta, $"{remoteMta}: MAIL FROM refused with {code}", remoteReplied: true, supportsDsn);
        }
        catch (NoRecipientAcceptedException)
        {
            LogReply(entry.Id, entry.Domain, "RCPT", 0);
            return new DeliveryAttemptResult(ByRecipientReply(client, recipients, 0, null), remoteMta, $"{remoteMta}: no recipient accepted", supportsDsn);
        }
        catch (SmtpCommandException ex)
        {
            // DATA refused, before or after the content: recipients that RCPT accepted share the
            // reply; refused ones keep their RCPT reply.
            var code = (int)ex.StatusCode;
            LogReply(entry.Id, entry.Domain, "DATA", code);
            return new DeliveryAttemptResult(ByRecipientReply(client, recipients, code, ex.Message), remoteMta, $"{remoteMta}: DATA refused with {code}", supportsDsn);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsConnectionLost(ex))
        {
            // The connection broke mid-transaction: the message may or may not have been taken
            // (RFC 1047); retrying can duplicate it, never lose it.
            LogConnectionLost(entry.Id, entry.Domain, ex.GetType().Name);
            return new DeliveryAttemptResult(ByRecipientReply(client, recipients, -1, "connection lost during the transaction"), remoteMta, $"{remoteMta}: connection lost ({ex.GetType().Name})", supportsDsn);
        }

        LogReply(entry.Id, entry.Domain, "DATA", dataCode);
        return new DeliveryAttemptResult(ByRecipientReply(client, recipients, dataCode, dataText), remoteMta, null, supportsDsn);
    }

    /// <summary>
    /// Results after the RCPT stage: a refused recipient gets its RCPT reply; an accepted one
    /// gets the final reply (<paramref name="finalCode"/>; 0 = the transaction stopped before
    /// DATA, −1 = connection lost).
    /// </summary>
    private static List<RecipientAttemptResult> ByRecipientReply(RelaySmtpClient client, IReadOnlyList<QueueRecipient> recipients, int finalCode, string? finalText)
    {
        var results = new List<RecipientAttemptResult>(recipients.Count);
        foreach (var recipient in recipients)
        {
            if (client.RecipientReplies.TryGetValue(recipient.Address, out var rcpt) && !SmtpReply.IsPositive((int)rcpt.StatusCode))
            {
                results.Add(FromReply(recipient, (int)rcpt.StatusCode, rcpt.Response));
            }
            else if (finalCode > 0)
            {
                results.Add(FromReply(recipient, finalCode, finalText));
            }
            else
            {
                results.Add(new RecipientAttemptResult(recipient, RecipientResult.Deferred, "4.4.2", "x-openmss; " + (finalText ?? "transaction not completed"), RemoteReplied: false));
            }
        }

        return results;
    }

    private static RecipientAttemptResult FromReply(QueueRecipient recipient, int code, string? text)
    {
        var result = SmtpReply.IsPositive(code) ? RecipientResult.Delivered
            : SmtpReply.IsPermanent(code) ? RecipientResult.Failed
            : RecipientResult.Deferred;
        return new RecipientAttemptResult(recipient, result, SmtpReply.Status(code, text), SmtpReply.Diagnostic(code, text), RemoteReplied: true);
    }

    private static DeliveryAttemptResult AllRecipients(IReadOnlyList<QueueRecipient> recipients, RecipientResult result, string status, string diagnostic, string? remoteMta, string error, bool remoteReplied = false, bool supportsDsn = false) =>
        new(recipients.Select(r => new RecipientAttemptResult(r, result, status, diagnostic, remoteReplied)).ToList(), remoteMta, error, supportsDsn);

    private static bool IsConnectFailure(Exception ex) =>
        ex is SocketException or IOException or TimeoutException or OperationCanceledException
            or TlsAuthenticationException or SslHandshakeException or NotSupportedException
            or SmtpCommandException or SmtpProtocolException;

    private static bool IsConnectionLost(Exception ex) =>
        ex is IOException or TimeoutException or OperationCanceledException or SmtpProtocolException or SocketException;

    private static (string Status, string Reason) ClassifyConnectFailure(Exception ex, PeerCheck? serverCheck, bool timedOut)
    {
        if (serverCheck is { IsTrusted: false })
        {
            return ("4.7.5", $"TLS: server certificate refused ({serverCheck.Failure})");
        }

        return ex switch
        {
            // Our timer, or MailKit's socket timeout (the same limit in real time).
            _ when timedOut || ex is TimeoutException => ("4.4.1", "connection timed out"),
            SocketException socket => ("4.4.1", $"connection failed ({socket.SocketErrorCode})"),
            SslHandshakeException or TlsAuthenticationException => ("4.7.5", "TLS handshake failed: " + SmtpReply.OneLine(ex.InnerException?.Message ?? ex.Message)),
            NotSupportedException => ("4.7.0", "the server does not offer STARTTLS, which the trust space requires"),
            SmtpCommandException command => (SmtpReply.Status((int)command.StatusCode, command.Message), $"refused the session: {(int)command.StatusCode} {SmtpReply.OneLine(command.Message)}"),
            _ => ("4.4.2", $"connection lost ({ex.GetType().Name})"),
        };
    }

    private async Task QuitAsync(RelaySmtpClient client, long entryId)
    {
        if (!client.IsConnected)
        {
            return;
        }

        try
        {
            // The outcome is already known; QUIT is a courtesy and must not hang the worker.
            using var timeout = new CancellationTokenSource(options.ConnectTimeout, time);
            await client.DisconnectAsync(quit: true, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsConnectionLost(ex) || ex is SmtpCommandException)
        {
            LogQuitFailed(entryId, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue entry {EntryId}: route lookup for {Domain} failed ({Error})")]
    private partial void LogRouteLookupFailed(long entryId, string domain, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue entry {EntryId}: no relay known for {Domain}")]
    private partial void LogNoRoute(long entryId, string domain);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue entry {EntryId}: relay {Relay} for {Domain} not usable, status {Status}: {Reason}")]
    private partial void LogConnectFailed(long entryId, string domain, string relay, string status, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Queue entry {EntryId} to {Domain}: {Command} answered {Code}")]
    private partial void LogReply(long entryId, string domain, string command, int code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue entry {EntryId} to {Domain}: connection lost during the transaction ({Error})")]
    private partial void LogConnectionLost(long entryId, string domain, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Queue entry {EntryId}: QUIT failed ({Error})")]
    private partial void LogQuitFailed(long entryId, string error);
}
