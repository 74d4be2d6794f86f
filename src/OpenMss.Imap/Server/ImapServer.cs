using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Storage;

namespace OpenMss.Imap.Server;

/// <summary>
/// The IMAP4rev1 listener (RFC 3501 with LITERAL+, ID, ENABLE, IDLE, NAMESPACE, UIDPLUS, MOVE,
/// UNSELECT, SPECIAL-USE): accepts connections, runs one <see cref="ImapSession"/>
/// each, and bounds their number.
/// </summary>
public sealed class ImapServer : IAsyncDisposable
{
    private readonly ImapServerOptions options;
    private readonly IMailboxStore mailboxes;
    private readonly IFolderStore folders;
    private readonly IMessageStore messages;
    private readonly IImapAuthenticator authenticator;
    private readonly IImapAuditSink? audit;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> sessions = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ImapSession, byte> open = new();
    private readonly Lock gate = new();
    private Socket? listener;
    private Task? acceptLoop;
    private int active;

    public ImapServer(ImapServerOptions options, IMailboxStore mailboxes, IFolderStore folders, IMessageStore messages, IImapAuthenticator authenticator, IImapAuditSink? audit = null, ILogger<ImapServer>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(mailboxes);
        ArgumentNullException.ThrowIfNull(folders);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(authenticator);
        if (options.ServerCertificate is null)
        {
            throw new ArgumentException("The IMAP server needs a TLS certificate: authentication is only allowed over TLS.", nameof(options));
        }

        this.options = options;
        this.mailboxes = mailboxes;
        this.folders = folders;
        this.messages = messages;
        this.authenticator = authenticator;
        this.audit = audit;
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The bound address (with the actual port when the options asked for port 0).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint?)listener?.LocalEndPoint ?? throw new InvalidOperationException("The server is not started.");

    /// <summary>Sessions currently open.</summary>
    public int ActiveSessions => Volatile.Read(ref active);

    /// <summary>
    /// Closes at once every session working on <paramref name="mailboxAddress"/> (for one actor
    /// only when given): an ORG member removed from the mailbox loses access immediately. Returns
    /// how many sessions were closed.
    /// </summary>
    public int CloseSessions(string mailboxAddress, string? actor = null, string reason = Protocol.ImapReplies.AccessWithdrawn)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(mailboxAddress);
        var closed = 0;
        foreach (var session in open.Keys)
        {
            if (session.Principal is { } principal
                && string.Equals(principal.MailboxAddress, mailboxAddress, StringComparison.OrdinalIgnoreCase)
                && (actor is null || string.Equals(principal.Actor, actor, StringComparison.Ordinal)))
            {
                session.Close(reason);
                closed++;
            }
        }

        return closed;
    }

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (listener is not null)
        {
            throw new InvalidOperationException("The server is already started.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var socket = new Socket(options.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(options.Endpoint);
            socket.Listen(512);
        }
        catch (SocketException)
        {
            socket.Dispose();
            throw;
        }

        listener = socket;
        acceptLoop = Task.Run(AcceptLoopAsync, CancellationToken.None);
        logger.LogInformation("IMAP listening on {Endpoint} ({Mode})", LocalEndPoint, options.TlsMode);
        return Task.CompletedTask;
    }

    /// <summary>Stops accepting, tells open sessions goodbye and waits for them.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (listener is null || stopping.IsCancellationRequested)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        listener.Dispose();
        if (acceptLoop is not null)
        {
            await acceptLoop.ConfigureAwait(false);
        }

        Task[] running;
        lock (gate)
        {
            running = [.. sessions];
        }

        await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener!.AcceptAsync(stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                logger.LogWarning("IMAP accept failed: {Reason}", ex.GetType().Name);
                continue;
            }

            if (Interlocked.Increment(ref active) > options.MaxSessions)
            {
                Interlocked.Decrement(ref active);
                _ = RefuseAsync(socket);
                continue;
            }

            var task = RunSessionAsync(socket);
            lock (gate)
            {
                sessions.Add(task);
            }

            _ = task.ContinueWith(
                t =>
                {
                    lock (gate)
                    {
                        sessions.Remove(t);
                    }
                },
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task RunSessionAsync(Socket socket)
    {
        await Task.Yield();
        try
        {
            socket.NoDelay = true;
            var session = new ImapSession(socket, options, mailboxes, folders, messages, authenticator, audit, logger, time);
            open.TryAdd(session, 0);
            try
            {
                await session.RunAsync(stopping.Token).ConfigureAwait(false);
            }
            finally
            {
                open.TryRemove(session, out _);
            }
        }
#pragma warning disable CA1031 // One failing session must not stop the listener; the failure is logged (without content).
        catch (Exception ex)
#pragma warning restore CA1031
        {
            logger.LogError(ex, "IMAP session failed");
        }
        finally
        {
            Interlocked.Decrement(ref active);
        }
    }

    private static async Task RefuseAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes($"* BYE {Protocol.ImapReplies.TooManyConnections}\r\n"), SocketFlags.None).ConfigureAwait(false);
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // The client went away first.
            }
        }
    }
}
