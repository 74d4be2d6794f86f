using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Smtp.Protocol;
using OpenMss.Trust;

namespace OpenMss.Smtp.Inbound;

/// <summary>
/// An SMTP server (RFC 5321 with PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES, DSN, SMTPUTF8
/// and STARTTLS): listens on one endpoint, runs one <see cref="SmtpSession"/> per connection up to
/// <see cref="SmtpServerOptions.MaxSessions"/>, and leaves every decision to an
/// <see cref="ISmtpPolicy"/> — <see cref="RelayPolicy"/> for the operator-to-operator relay,
/// <see cref="Submission.SubmissionPolicy"/> for submission.
/// </summary>
public sealed class SmtpServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<SmtpSession, byte> _sessions = new();
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private readonly Lock _stopGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socket? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private Task? _stopTask;
    private IPEndPoint? _localEndPoint;
    private SmtpReply? _ehloPlain;
    private SmtpReply? _ehloTls;
    private int _active;
    private int _started;

    /// <param name="options">Listener settings; read once by <see cref="StartAsync"/>.</param>
    /// <param name="policy">The decisions (relay, submission).</param>
    /// <param name="loggerFactory">Logs go to the <c>OpenMss.Smtp.Inbound.SmtpServer</c> category.</param>
    public SmtpServer(SmtpServerOptions options, ISmtpPolicy policy, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(policy);
        Options = options;
        Policy = policy;
        Logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SmtpServer>();
    }

    /// <summary>The endpoint actually bound (with the port chosen when <see cref="SmtpServerOptions.EndPoint"/> has port 0).</summary>
    public IPEndPoint LocalEndPoint => _localEndPoint ?? throw new InvalidOperationException("The server is not started.");

    /// <summary>Sessions currently open.</summary>
    public int ActiveSessions => Volatile.Read(ref _active);

    internal SmtpServerOptions Options { get; }

    internal ISmtpPolicy Policy { get; }

    internal ILogger Logger { get; }

    internal SslServerAuthenticationOptions? TlsOptions { get; private set; }

    internal SmtpReply Greeting { get; private set; } = null!;

    internal SmtpReply HeloReply { get; private set; } = null!;

    /// <summary>Binds the endpoint and starts accepting connections; returns once the port accepts connections.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The server is already started.");
        }

        Options.Validate();
        TlsOptions = Options.TlsOptions
            ?? (Options.ServerCertificate is null ? null : TlsSettings.ServerOptions(Options.ServerCertificate, Options.RequestClientCertificate));
        if (Options.ImplicitTls && TlsOptions is null)
        {
            throw new InvalidOperationException("An implicit-TLS listener needs a server certificate.");
        }

        Greeting = SmtpReplies.ServiceReady(Options.HostName);
        HeloReply = SmtpReplies.Helo(Options.HostName);
        _ehloPlain = SmtpReplies.Ehlo(Options.HostName, Extensions(tls: false));
        _ehloTls = SmtpReplies.Ehlo(Options.HostName, Extensions(tls: true));

        var endPoint = Options.EndPoint;
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true;
            }

            listener.Bind(endPoint);
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        _localEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        SmtpLog.Listening(Logger, _localEndPoint, Options.HostName, TlsOptions is null ? "not available" : "available");
        _acceptLoop = Task.Run(AcceptLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops accepting connections, answers sessions waiting for a command <c>421 4.3.2</c>, lets
    /// transactions in progress (DATA being received or stored) finish for up to
    /// <see cref="SmtpServerOptions.ShutdownTimeout"/>, then cuts what remains.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (_stopGate)
        {
            _stopTask ??= StopCoreAsync(cancellationToken);
            return _stopTask;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _abort.Dispose();
    }

    internal SmtpReply EhloReply(SmtpSessionContext session)
    {
        var extra = Policy.GetExtensions(session);
        if (extra.Count == 0)
        {
            return session.IsTls ? _ehloTls! : _ehloPlain!;
        }

        var extensions = Extensions(session.IsTls);
        extensions.AddRange(extra);
        return SmtpReplies.Ehlo(Options.HostName, extensions);
    }

    private List<string> Extensions(bool tls)
    {
        var extensions = new List<string>
        {
            "PIPELINING",
            string.Create(CultureInfo.InvariantCulture, $"SIZE {Options.MaxMessageSize}"),
            "8BITMIME",
            "ENHANCEDSTATUSCODES",
            "DSN",
            "SMTPUTF8",
        };
        if (!tls && TlsOptions is not null)
        {
            extensions.Add("STARTTLS");
        }

        return extensions;
    }

    private async Task AcceptLoopAsync()
    {
        var listener = _listener!;
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (_stopping.IsCancellationRequested && ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }
            catch (SocketException ex)
            {
                // E.g. out of file descriptors: back off instead of spinning.
                SmtpLog.AcceptFailed(Logger, ex);
                await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            SmtpMetrics.SessionCounter.Add(1);
            client.NoDelay = true;
            if (Interlocked.Increment(ref _active) > Options.MaxSessions)
            {
                Interlocked.Decrement(ref _active);
                SmtpLog.TooManySessions(Logger, client.RemoteEndPoint, Options.MaxSessions);
                _ = RejectAsync(client, SmtpReplies.TooManyConnections);
                continue;
            }

            IPAddress? address = null;
            if (Options.MaxSessionsPerAddress > 0)
            {
                try
                {
                    address = (client.RemoteEndPoint as IPEndPoint)?.Address;
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    address = null; // gone already; the session constructor below notices
                }

                if (address is not null)
                {
                    address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
                    if (!TryEnterAddress(address))
                    {
                        Interlocked.Decrement(ref _active);
                        SmtpLog.TooManySessionsFromAddress(Logger, client.RemoteEndPoint, Options.MaxSessionsPerAddress);
                        _ = RejectAsync(client, SmtpReplies.TooManyConnectionsFromAddress);
                        continue;
                    }
                }
            }

            SmtpSession session;
            try
            {
                session = new SmtpSession(this, client, _abort.Token);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // The client was already gone (no endpoint to read).
                client.Dispose();
                LeaveAddress(address);
                SessionEnded();
                continue;
            }

            _sessions.TryAdd(session, 0);
            _ = Task.Run(() => RunSessionAsync(session, address), CancellationToken.None);
        }
    }

    private bool TryEnterAddress(IPAddress address)
    {
        while (true)
        {
            var current = _perAddress.GetValueOrDefault(address);
            if (current >= Options.MaxSessionsPerAddress)
            {
                return false;
            }

            if (current == 0 ? _perAddress.TryAdd(address, 1) : _perAddress.TryUpdate(address, current + 1, current))
            {
                return true;
            }
        }
    }

    private void LeaveAddress(IPAddress? address)
    {
        if (address is null)
        {
            return;
        }

        while (_perAddress.TryGetValue(address, out var current))
        {
            if (current <= 1
                ? _perAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, current))
                : _perAddress.TryUpdate(address, current - 1, current))
            {
                return;
            }
        }
    }

    private async Task RunSessionAsync(SmtpSession session, IPAddress? address)
    {
        try
        {
            if (_stopping.IsCancellationRequested)
            {
                session.RequestStop();
            }

            await session.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            _sessions.TryRemove(session, out _);
            LeaveAddress(address);
            SessionEnded();
        }
    }

    private void SessionEnded()
    {
        if (Interlocked.Decrement(ref _active) == 0 && _stopping.IsCancellationRequested)
        {
            _drained.TrySetResult();
        }
    }

    private static async Task RejectAsync(Socket client, SmtpReply reply)
    {
        // RFC 5321 §3.8: a server that cannot serve answers 421 and closes.
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.SendAsync(reply.Encoded.ToArray(), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client is gone or does not read; it is closed below either way.
        }
        finally
        {
            client.Dispose();
        }
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        await _acceptLoop.ConfigureAwait(false);

        foreach (var session in _sessions.Keys)
        {
            session.RequestStop();
        }

        if (Volatile.Read(ref _active) == 0)
        {
            _drained.TrySetResult();
        }

        try
        {
            await _drained.Task.WaitAsync(Options.ShutdownTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            var remaining = _sessions.Keys.ToArray();
            SmtpLog.SessionsAborted(Logger, remaining.Length);
            await _abort.CancelAsync().ConfigureAwait(false);
            foreach (var session in remaining)
            {
                session.Abort();
            }

            // Cut sessions end promptly once their socket is gone; a policy call that ignores
            // cancellation is not waited for longer.
            await Task.WhenAny(_drained.Task, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false);
        }

        if (_localEndPoint is not null)
        {
            SmtpLog.Stopped(Logger, _localEndPoint);
        }
    }
}
