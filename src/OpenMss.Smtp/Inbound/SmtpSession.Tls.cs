using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using OpenMss.Smtp.Protocol;
using OpenMss.Trust;

namespace OpenMss.Smtp.Inbound;

/// <summary>TLS for <see cref="SmtpSession"/>: STARTTLS (RFC 3207) and implicit TLS (RFC 8314 §3.3), and the session reset that follows the handshake.</summary>
internal sealed partial class SmtpSession
{
    // ---- STARTTLS (RFC 3207) and implicit TLS (RFC 8314) ------------------------------

    private async ValueTask<Next> StartTlsAsync()
    {
        var tlsOptions = _server.TlsOptions;
        if (tlsOptions is null)
        {
            Refuse(SmtpVerb.StartTls, SmtpReplies.TlsNotAvailable);
            return Next.Continue;
        }

        Write(SmtpReplies.ReadyToStartTls);
        await FlushAsync(_options.CommandTimeout).ConfigureAwait(false);

        // RFC 3207 §4.2 (CVE-2011-0411): whatever the client sent after STARTTLS before the
        // handshake was sent in clear and may have been injected by a man in the middle; it is
        // dropped, never executed inside the TLS session.
        if (_reader.TryRead(out var pending))
        {
            var count = pending.Buffer.Length;
            _reader.AdvanceTo(pending.Buffer.End);
            if (count > 0)
            {
                SmtpLog.PlaintextDiscarded(_logger, Id, count);
            }
        }

        return await HandshakeAsync().ConfigureAwait(false) ? Next.Continue : Next.Close;
    }

    /// <summary>The server side of the TLS handshake (after STARTTLS, or at once on an implicit-TLS listener); false when it failed.</summary>
    private async ValueTask<bool> HandshakeAsync()
    {
        var tlsOptions = _server.TlsOptions!;
        await _reader.CompleteAsync().ConfigureAwait(false);
        await _writer.CompleteAsync().ConfigureAwait(false);

        _ssl = new SslStream(_network, leaveInnerStreamOpen: true);
        using (var timer = new CancellationTokenSource(_options.TlsHandshakeTimeout, _options.TimeProvider))
        using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(_abort, timer.Token))
        {
            try
            {
                await _ssl.AuthenticateAsServerAsync(tlsOptions, handshake.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException || (ex is OperationCanceledException && !_abort.IsCancellationRequested))
            {
                SmtpLog.TlsFailed(_logger, Id, ex is OperationCanceledException ? "timeout" : ex.Message);
                return false;
            }
        }

        _reader = PipeReader.Create(_ssl, ReaderOptions);
        _writer = PipeWriter.Create(_ssl, WriterOptions);
        _discarding = false;

        // RFC 3207 §4.2: the client starts over; nothing learnt in clear is kept.
        _context.IsTls = true;
        _context.TlsProtocol = _ssl.SslProtocol;
        _context.TlsCipherSuite = _ssl.NegotiatedCipherSuite;
        _context.ClientCertificate = TlsSettings.AsCertificate2(_ssl.RemoteCertificate);
        _context.ClientName = null;
        _context.IsExtended = false;
        _context.PolicyState = null;
        _transaction = null;
        _state = SmtpStateTable.Next(_state, SmtpVerb.StartTls);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            SmtpLog.TlsEstablished(_logger, Id, _ssl.SslProtocol.ToString(), _ssl.NegotiatedCipherSuite.ToString(), _context.ClientCertificate?.Subject ?? "(none)");
        }

        try
        {
            _tlsRefusal = await _policy.OnTlsEstablishedAsync(_context, _abort).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _tlsRefusal = PolicyFailed(SmtpVerb.StartTls, ex);
        }

        return true;
    }
}
