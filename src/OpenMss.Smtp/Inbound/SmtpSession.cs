using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using OpenMss.Smtp.Protocol;
using OpenMss.Trust;

namespace OpenMss.Smtp.Inbound;

/// <summary>
/// One SMTP connection: reads commands from a <see cref="PipeReader"/> over the socket (and, after
/// STARTTLS, over an <see cref="SslStream"/> on the same socket), applies the protocol rules of
/// RFC 5321 and its extensions, and asks the <see cref="ISmtpPolicy"/> for every decision.
/// </summary>
/// <remarks>
/// <para>Memory per connection is bounded: a command line is copied into a fixed buffer of
/// <see cref="SmtpLimits.MaxCommandLine"/> octets, longer input is discarded as it arrives, and the
/// message text goes through <see cref="SmtpDataDecoder"/> into a pooled buffer that never
/// exceeds the message size limit.</para>
/// <para>Pipelining (RFC 2920): replies are written to the pipe and flushed only when no complete
/// command is left in the input (the client is then waiting), before <c>354</c>, and before
/// closing; a burst of pipelined commands is answered in one TCP segment.</para>
/// </remarks>
internal sealed partial class SmtpSession
{
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true);
    private static readonly StreamPipeWriterOptions WriterOptions = new(minimumBufferSize: 4 * 1024, leaveOpen: true);

    // A client that stops reading its replies must not make the server buffer them without end.
    private const int MaxUnflushedReplyBytes = 16 * 1024;

    private readonly SmtpServer _server;
    private readonly SmtpServerOptions _options;
    private readonly ISmtpPolicy _policy;
    private readonly ILogger _logger;
    private readonly Socket _socket;
    private readonly NetworkStream _network;
    private readonly SmtpSessionContext _context;
    private readonly CancellationToken _abort;
    private readonly byte[] _line = new byte[SmtpLimits.MaxCommandLine];
    private readonly Lock _gate = new();
    private SslStream? _ssl;
    private PipeReader _reader;
    private PipeWriter _writer;
    private CancellationTokenSource _timeout;
    private SmtpDataDecoder? _decoder;
    private int _lineLength;
    private bool _discarding;
    private bool _awaitingCommand;
    private bool _stopRequested;
    private SmtpState _state;
    private SmtpTransaction? _transaction;
    private SmtpReply? _tlsRefusal;
    private int _errors;
    private bool _saslExchange;
    private LineStatus? _saslFailure;
    private SaslChannel? _saslChannel;

    private enum LineStatus
    {
        Line,
        TooLong,
        Closed,
        Timeout,
        Stopped,
    }

    private enum Next
    {
        Continue,
        Close,
    }

    public SmtpSession(SmtpServer server, Socket socket, CancellationToken abort)
    {
        _server = server;
        _options = server.Options;
        _timeout = NewTimeout();
        _policy = server.Policy;
        _logger = server.Logger;
        _socket = socket;
        _abort = abort;
        _network = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(_network, ReaderOptions);
        _writer = PipeWriter.Create(_network, WriterOptions);
        _context = new SmtpSessionContext(
            NewSessionId(),
            (IPEndPoint)socket.RemoteEndPoint!,
            (IPEndPoint)socket.LocalEndPoint!,
            _options.HostName,
            _options.MaxMessageSize);
    }

    public string Id => _context.SessionId;

    /// <summary>Asks the session to end: at once if it waits for a command (421 4.3.2), after the current transaction step otherwise.</summary>
    public void RequestStop()
    {
        lock (_gate)
        {
            _stopRequested = true;
            if (_awaitingCommand)
            {
                _reader.CancelPendingRead();
            }
        }
    }

    /// <summary>Cuts the connection (shutdown timeout exceeded); pending reads and writes fail.</summary>
    public void Abort() => _socket.Dispose();

    public async Task RunAsync()
    {
        var reason = "closed";
        SmtpLog.SessionStarted(_logger, Id, _context.RemoteEndPoint);
        try
        {
            // Port 465 (RFC 8314 §3.3): TLS from the first octet, the greeting inside it.
            if (_options.ImplicitTls && !await HandshakeAsync().ConfigureAwait(false))
            {
                reason = "TLS handshake failed";
                return;
            }

            var refusal = await _policy.OnConnectedAsync(_context, _abort).ConfigureAwait(false);
            if (refusal is not null)
            {
                Write(refusal);
                await _writer.FlushAsync(_abort).ConfigureAwait(false);
                reason = "refused at connection";
                return;
            }

            Write(_server.Greeting);
            reason = await ProcessCommandsAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            reason = "aborted at shutdown";
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or AuthenticationException or OperationCanceledException)
        {
            // The peer went away, a write timed out, or the server cut the connection: nothing was
            // acknowledged that was not stored, so there is nothing more to do than to log it.
            reason = "connection lost";
            SmtpLog.ConnectionLost(_logger, Id, ex.GetType().Name);
        }
        catch (Exception ex)
        {
            // A bug must end this session only, never the server.
            reason = "failed";
            SmtpLog.SessionFailed(_logger, Id, ex);
        }
        finally
        {
            await CloseAsync().ConfigureAwait(false);
            SmtpLog.SessionEnded(_logger, Id, reason);
        }
    }

    private async Task<string> ProcessCommandsAsync()
    {
        while (true)
        {
            var status = await ReadLineAsync().ConfigureAwait(false);
            switch (status)
            {
                case LineStatus.Closed:
                    return "client closed the connection";
                case LineStatus.Timeout:
                    SmtpLog.TimedOut(_logger, Id, _options.CommandTimeout);
                    await SendFinalAsync(SmtpReplies.Timeout).ConfigureAwait(false);
                    return "timeout";
                case LineStatus.Stopped:
                    await SendFinalAsync(SmtpReplies.ShuttingDown).ConfigureAwait(false);
                    return "server stopping";
                case LineStatus.TooLong:
                    if (Refuse(SmtpVerb.Unknown, SmtpReplies.LineTooLong))
                    {
                        return "too many errors";
                    }

                    continue;
            }

            var parsed = SmtpCommandParser.Parse(_line.AsSpan(0, _lineLength), _transaction?.Parameters.SmtpUtf8 == true);
            if (_tlsRefusal is not null)
            {
                await SendFinalAsync(parsed.Verb == SmtpVerb.Quit ? SmtpReplies.Closing(_options.HostName) : _tlsRefusal).ConfigureAwait(false);
                return "refused after TLS handshake";
            }

            var refusal = SmtpStateTable.Check(_state, parsed.Verb, _context.IsTls) ?? parsed.Error;
            if (refusal is not null)
            {
                if (parsed.Verb == SmtpVerb.Data && _state == SmtpState.MailFrom)
                {
                    // DATA after every recipient was refused: the transaction fails (RFC 2920 §3.1).
                    SmtpMetrics.Refused(refusal.Reason);
                }

                if (Refuse(parsed.Verb, refusal))
                {
                    return "too many errors";
                }

                continue;
            }

            if (await ExecuteAsync(parsed.Command!).ConfigureAwait(false) == Next.Close)
            {
                return parsed.Verb == SmtpVerb.Quit ? "quit" : "closed by server";
            }

            if (_writer.UnflushedBytes > MaxUnflushedReplyBytes)
            {
                // A client pipelining without reading its replies gets them now, and waits.
                await FlushAsync(_options.CommandTimeout).ConfigureAwait(false);
            }
        }
    }

    private ValueTask<Next> ExecuteAsync(SmtpCommand command)
    {
        switch (command.Verb)
        {
            case SmtpVerb.Ehlo:
            case SmtpVerb.Helo:
                var hello = (HelloCommand)command;
                _context.ClientName = hello.ClientName;
                _context.IsExtended = hello.IsExtended;
                _transaction = null;
                _state = SmtpStateTable.Next(_state, command.Verb);
                Write(hello.IsExtended ? _server.EhloReply(_context) : _server.HeloReply);
                return ValueTask.FromResult(Next.Continue);

            case SmtpVerb.Mail:
                return MailAsync((MailFromCommand)command);

            case SmtpVerb.Rcpt:
                return RcptAsync((RcptToCommand)command);

            case SmtpVerb.Data:
                return DataAsync();

            case SmtpVerb.Rset:
                _transaction = null;
                _state = SmtpStateTable.Next(_state, SmtpVerb.Rset);
                Write(SmtpReplies.ResetOk);
                return ValueTask.FromResult(Next.Continue);

            case SmtpVerb.Noop:
                Write(SmtpReplies.Ok);
                return ValueTask.FromResult(Next.Continue);

            case SmtpVerb.Quit:
                return QuitAsync();

            case SmtpVerb.Vrfy:
                Write(SmtpReplies.CannotVerify);
                return ValueTask.FromResult(Next.Continue);

            case SmtpVerb.Help:
                Write(SmtpReplies.Help);
                return ValueTask.FromResult(Next.Continue);

            case SmtpVerb.StartTls:
                return StartTlsAsync();

            case SmtpVerb.Auth:
                return AuthAsync((SimpleCommand)command);

            default:
                // EXPN, BDAT (CHUNKING is not advertised).
                Refuse(command.Verb, SmtpReplies.NotImplemented);
                return ValueTask.FromResult(Next.Continue);
        }
    }

    // ---- MAIL, RCPT ------------------------------------------------------------------------

    private async ValueTask<Next> MailAsync(MailFromCommand mail)
    {
        SmtpReply reply;
        SmtpTransaction? transaction = null;
        if (_options.RequireTls && !_context.IsTls)
        {
            reply = SmtpReplies.StartTlsFirst;
        }
        else if (mail.Parameters.Size > _options.MaxMessageSize)
        {
            reply = SmtpReplies.DeclaredSizeTooBig;
        }
        else
        {
            _context.TransactionCount++;
            transaction = new SmtpTransaction(
                string.Create(CultureInfo.InvariantCulture, $"{Id}.{_context.TransactionCount}"), mail);
            try
            {
                reply = await _policy.OnMailFromAsync(_context, transaction, _abort).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                reply = PolicyFailed(SmtpVerb.Mail, ex);
            }
        }

        Write(reply);
        if (reply.IsPositive)
        {
            _transaction = transaction;
            _state = SmtpStateTable.Next(_state, SmtpVerb.Mail);
        }
        else
        {
            SmtpMetrics.Refused(reply.Reason);
            SmtpLog.MailRefused(_logger, Id, reply.Code, reply.EnhancedStatus, reply.Reason);
        }

        return Next.Continue;
    }

    private async ValueTask<Next> RcptAsync(RcptToCommand rcpt)
    {
        var transaction = _transaction!;
        SmtpReply reply;
        if (transaction.Recipients.Count >= _options.MaxRecipients)
        {
            reply = SmtpReplies.TooManyRecipients;
        }
        else
        {
            try
            {
                reply = await _policy.OnRecipientAsync(_context, transaction, rcpt, _abort).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                reply = PolicyFailed(SmtpVerb.Rcpt, ex);
            }
        }

        Write(reply);
        if (reply.IsPositive)
        {
            if (!transaction.HasRecipient(rcpt.Recipient))
            {
                transaction.AddRecipient(new SmtpRecipient(rcpt.Recipient, rcpt.Parameters));
            }

            _state = SmtpStateTable.Next(_state, SmtpVerb.Rcpt);
        }
        else if (_logger.IsEnabled(LogLevel.Debug))
        {
            SmtpLog.RecipientRefused(_logger, Id, rcpt.Recipient, reply.Code, reply.EnhancedStatus, reply.Reason);
        }

        return Next.Continue;
    }

    // ---- QUIT ------------------------------------------------------------------------------

    private async ValueTask<Next> QuitAsync()
    {
        await SendFinalAsync(SmtpReplies.Closing(_options.HostName)).ConfigureAwait(false);
        return Next.Close;
    }

    // ---- Reading commands ------------------------------------------------------------------

    private async ValueTask<LineStatus> ReadLineAsync()
    {
        while (true)
        {
            if (!_reader.TryRead(out var result))
            {
                // The client waits for our replies before sending more (RFC 2920 §3.1).
                await FlushAsync(_options.CommandTimeout).ConfigureAwait(false);
                lock (_gate)
                {
                    if (_stopRequested)
                    {
                        return LineStatus.Stopped;
                    }

                    _awaitingCommand = true;
                }

                _timeout.CancelAfter(_options.CommandTimeout);
                try
                {
                    result = await _reader.ReadAsync(_timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_timeout.IsCancellationRequested)
                {
                    return LineStatus.Timeout;
                }
                finally
                {
                    lock (_gate)
                    {
                        _awaitingCommand = false;
                    }
                }

                ResetTimeout();
            }

            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                _reader.AdvanceTo(buffer.Start);
                if (Volatile.Read(ref _stopRequested))
                {
                    return LineStatus.Stopped;
                }

                continue;
            }

            var lineFeed = buffer.PositionOf((byte)'\n');
            if (lineFeed is null)
            {
                if (_discarding || buffer.Length >= SmtpLimits.MaxCommandLine)
                {
                    // Too long already: drop it as it comes, keep only the fact.
                    _discarding = true;
                    _reader.AdvanceTo(buffer.End);
                }
                else
                {
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                }

                if (result.IsCompleted)
                {
                    return LineStatus.Closed;
                }

                continue;
            }

            var line = buffer.Slice(0, lineFeed.Value);
            var next = buffer.GetPosition(1, lineFeed.Value);
            if (_discarding)
            {
                _discarding = false;
                _reader.AdvanceTo(next);
                return LineStatus.TooLong;
            }

            var length = (int)line.Length;
            Span<byte> start = stackalloc byte[4];
            line.Slice(0, Math.Min(4, length)).CopyTo(start);
            if (length + 1 > (_saslExchange ? SmtpLimits.AuthLine : SmtpLimits.ForLine(start[..Math.Min(4, length)])))
            {
                _reader.AdvanceTo(next);
                return LineStatus.TooLong;
            }

            line.CopyTo(_line);
            _lineLength = length > 0 && _line[length - 1] == (byte)'\r' ? length - 1 : length;
            _reader.AdvanceTo(next);
            return LineStatus.Line;
        }
    }

    // The timer of a source that did not fire is stopped and reused; one that fired is replaced.
    private void ResetTimeout()
    {
        if (!_timeout.TryReset())
        {
            _timeout.Dispose();
            _timeout = NewTimeout();
        }
    }

    // Armed with CancelAfter on the configured clock.
    private CancellationTokenSource NewTimeout() => new(Timeout.InfiniteTimeSpan, _options.TimeProvider);

    // ---- Writing replies ---------------------------------------------------------------------

    private void Write(SmtpReply reply)
    {
        reply.WriteTo(_writer);
    }

    /// <summary>Writes a refusal from the protocol layer; true when the client has made too many errors and the session must end.</summary>
    private bool Refuse(SmtpVerb verb, SmtpReply reply)
    {
        Write(reply);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            SmtpLog.CommandRefused(_logger, Id, verb.ToString().ToUpperInvariant(), reply.Code, reply.EnhancedStatus, reply.Reason);
        }

        if (reply.Reason is "syntax" or "sequence" or "line_too_long" or "not_implemented" && ++_errors >= _options.MaxErrors)
        {
            Write(SmtpReplies.TooManyErrors);
            return true;
        }

        return false;
    }

    private async ValueTask FlushAsync(TimeSpan timeout)
    {
        if (_writer.UnflushedBytes == 0)
        {
            return;
        }

        _timeout.CancelAfter(timeout);
        await _writer.FlushAsync(_timeout.Token).ConfigureAwait(false);
        ResetTimeout();
    }

    private async ValueTask SendFinalAsync(SmtpReply reply)
    {
        Write(reply);
        await FlushAsync(_options.CommandTimeout).ConfigureAwait(false);
    }

    private async Task CloseAsync()
    {
        try
        {
            if (_writer.UnflushedBytes > 0)
            {
                await FlushAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The peer is gone; the reply could not be delivered.
        }

        await _reader.CompleteAsync().ConfigureAwait(false);
        await _writer.CompleteAsync().ConfigureAwait(false);
        try
        {
            // FIN rather than RST, so that a final 421 or 221 reaches the client before the close.
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }

        if (_ssl is not null)
        {
            await _ssl.DisposeAsync().ConfigureAwait(false);
        }

        await _network.DisposeAsync().ConfigureAwait(false);
        _timeout.Dispose();
    }

    private SmtpReply PolicyFailed(SmtpVerb verb, Exception exception)
    {
        SmtpLog.PolicyFailed(_logger, Id, verb.ToString().ToUpperInvariant(), exception);
        return SmtpReplies.LocalError;
    }

    private static string NewSessionId()
    {
        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        return Convert.ToHexString(random);
    }
}
