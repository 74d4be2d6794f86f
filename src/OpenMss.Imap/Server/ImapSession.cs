using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Microsoft.Extensions.Logging;
using OpenMss.Imap.Protocol;
using OpenMss.Storage;
using OpenMss.Trust;

namespace OpenMss.Imap.Server;

/// <summary>The RFC 3501 §3 connection states.</summary>
[Flags]
internal enum ImapState
{
    NotAuthenticated = 1,
    Authenticated = 2,
    Selected = 4,
    Any = NotAuthenticated | Authenticated | Selected,
    LoggedIn = Authenticated | Selected,
}

/// <summary>
/// One client connection: reads commands from a <see cref="PipeReader"/> (lines and literals,
/// within the configured limits), checks them against the state table and runs them.
/// </summary>
internal sealed partial class ImapSession
{
    /// <summary>Which command is allowed in which state (RFC 3501 §6).</summary>
    private static readonly Dictionary<string, ImapState> StateTable = new(StringComparer.Ordinal)
    {
        ["CAPABILITY"] = ImapState.Any,
        ["NOOP"] = ImapState.Any,
        ["LOGOUT"] = ImapState.Any,
        ["ID"] = ImapState.Any,
        ["STARTTLS"] = ImapState.NotAuthenticated,
        ["LOGIN"] = ImapState.NotAuthenticated,
        ["AUTHENTICATE"] = ImapState.NotAuthenticated,
        ["SELECT"] = ImapState.LoggedIn,
        ["EXAMINE"] = ImapState.LoggedIn,
        ["CREATE"] = ImapState.LoggedIn,
        ["DELETE"] = ImapState.LoggedIn,
        ["RENAME"] = ImapState.LoggedIn,
        ["SUBSCRIBE"] = ImapState.LoggedIn,
        ["UNSUBSCRIBE"] = ImapState.LoggedIn,
        ["LIST"] = ImapState.LoggedIn,
        ["LSUB"] = ImapState.LoggedIn,
        ["STATUS"] = ImapState.LoggedIn,
        ["APPEND"] = ImapState.LoggedIn,
        ["NAMESPACE"] = ImapState.LoggedIn,
        ["ENABLE"] = ImapState.LoggedIn,
        ["IDLE"] = ImapState.LoggedIn,
        ["CHECK"] = ImapState.Selected,
        ["CLOSE"] = ImapState.Selected,
        ["UNSELECT"] = ImapState.Selected,
        ["EXPUNGE"] = ImapState.Selected,
        ["SEARCH"] = ImapState.Selected,
        ["FETCH"] = ImapState.Selected,
        ["STORE"] = ImapState.Selected,
        ["COPY"] = ImapState.Selected,
        ["MOVE"] = ImapState.Selected,
    };

    private const int MaxLiteralsPerCommand = 256;

    private static readonly HashSet<string> UidCommands = new(StringComparer.Ordinal) { "FETCH", "STORE", "SEARCH", "COPY", "MOVE", "EXPUNGE" };

    private readonly ImapServerOptions options;
    private readonly IMailboxStore mailboxes;
    private readonly IFolderStore folders;
    private readonly IMessageStore messages;
    private readonly IImapAuthenticator authenticator;
    private readonly IImapAuditSink? audit;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly NetworkStream network;
    private readonly ImapClientInfo plainClient;
    private readonly ImapResponseWriter output = new();
    private Stream stream;
    private PipeReader reader;
    private bool tls;
    private ImapState state = ImapState.NotAuthenticated;
    private ImapPrincipal? principal;
    private MailboxRecord? mailbox;
    private SelectedFolder? selected;
    private readonly CancellationTokenSource closing = new();
    private volatile string? closeReason;
    private bool loggingOut;
    private int badCommands;

    public ImapSession(Socket socket, ImapServerOptions options, IMailboxStore mailboxes, IFolderStore folders, IMessageStore messages, IImapAuthenticator authenticator, IImapAuditSink? audit, ILogger logger, TimeProvider time)
    {
        this.options = options;
        this.mailboxes = mailboxes;
        this.folders = folders;
        this.messages = messages;
        this.authenticator = authenticator;
        this.audit = audit;
        this.logger = logger;
        this.time = time;
        network = new NetworkStream(socket, ownsSocket: true);
        stream = network;
        reader = PipeReader.Create(network, new StreamPipeReaderOptions(leaveOpen: true));
        plainClient = new ImapClientInfo(socket.RemoteEndPoint as IPEndPoint, false);
    }

    private ImapClientInfo Client => plainClient with { IsTls = tls };

    /// <summary>Who is logged in on this session, once authenticated.</summary>
    public ImapPrincipal? Principal => principal;

    /// <summary>Ends the session from outside (membership withdrawn): the client gets <c>* BYE reason</c>.</summary>
    public void Close(string reason)
    {
        closeReason = reason;
        try
        {
            closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The session already ended.
        }
    }

    public async Task RunAsync(CancellationToken serverStopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(serverStopping, closing.Token);
        var cancellationToken = linked.Token;
        try
        {
            if (options.TlsMode == ImapTlsMode.Implicit)
            {
                if (!await StartTlsAsync(cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }

            output.Line($"* OK [CAPABILITY {Capabilities()}] {options.HostName} OpenMSS IMAP4rev1 ready");
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            while (!loggingOut && !cancellationToken.IsCancellationRequested)
            {
                var request = await ReadCommandAsync(cancellationToken).ConfigureAwait(false);
                if (request is null)
                {
                    break;
                }

                if (request.Error is { } error)
                {
                    await BadAsync(request.Tag, error, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (!ImapCommandParser.TryParse(request.Lines, request.Literals, out var command, out var parseError))
                {
                    await BadAsync(ImapCommandParser.PeekTag(request.Lines[0]), parseError, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await DispatchAsync(command!, cancellationToken).ConfigureAwait(false);
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SessionTimeoutException)
        {
            await TrySendAsync($"* BYE {ImapReplies.Autologout}\r\n").ConfigureAwait(false);
        }
        catch (SessionClosedException ex)
        {
            await TrySendAsync($"* BYE {ex.Message}\r\n").ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await TrySendAsync($"* BYE {closeReason ?? ImapReplies.ShuttingDown}\r\n").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or ObjectDisposedException)
        {
            logger.LogDebug("IMAP connection from {Client} ended: {Reason}", plainClient.Address, ex.GetType().Name);
        }
        finally
        {
            closing.Dispose();
            selected?.Dispose();
            await reader.CompleteAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            await network.DisposeAsync().ConfigureAwait(false);
        }
    }

    private string Capabilities()
    {
        var capabilities = new StringBuilder("IMAP4rev1 LITERAL+ ID ENABLE IDLE NAMESPACE UIDPLUS MOVE UNSELECT SPECIAL-USE");
        if (!tls)
        {
            capabilities.Append(" STARTTLS LOGINDISABLED");
        }
        else if (state == ImapState.NotAuthenticated)
        {
            capabilities.Append(options.AllowPasswordAuthentication ? " AUTH=PLAIN AUTH=OAUTHBEARER AUTH=XOAUTH2" : " AUTH=OAUTHBEARER AUTH=XOAUTH2 LOGINDISABLED");
        }

        return capabilities.ToString();
    }

    private async Task DispatchAsync(ImapCommand command, CancellationToken ct)
    {
        if (!StateTable.TryGetValue(command.Name, out var allowed) || (command.Uid && !UidCommands.Contains(command.Name)))
        {
            await BadAsync(command.Tag, "Unknown command", ct).ConfigureAwait(false);
            return;
        }

        if ((allowed & state) == 0)
        {
            await BadAsync(command.Tag, state == ImapState.NotAuthenticated ? ImapReplies.LogInFirst : ImapReplies.WrongState, ct).ConfigureAwait(false);
            return;
        }

        badCommands = 0;
        try
        {
            if (command.Name != "LOGOUT")
            {
                await RecheckAuthorizationAsync(ct).ConfigureAwait(false);
            }

            await RunCommandAsync(command, ct).ConfigureAwait(false);
        }
        catch (CommandSyntaxException ex)
        {
            await BadAsync(command.Tag, ex.Message, ct).ConfigureAwait(false);
        }
        catch (ImapSyntaxException ex)
        {
            // An argument read lazily by the command (a string that is not UTF-8).
            await BadAsync(command.Tag, ex.Message, ct).ConfigureAwait(false);
        }
        catch (FolderNotFoundException)
        {
            // The folder was deleted by another session meanwhile.
            output.Line($"{command.Tag} NO [NONEXISTENT] No such mailbox");
        }
    }

    private Task RunCommandAsync(ImapCommand c, CancellationToken ct) => c.Name switch
    {
        "CAPABILITY" => CapabilityAsync(c),
        "NOOP" or "CHECK" => NoopAsync(c, ct),
        "LOGOUT" => LogoutAsync(c),
        "ID" => IdAsync(c),
        "STARTTLS" => StartTlsCommandAsync(c, ct),
        "LOGIN" => LoginAsync(c, ct),
        "AUTHENTICATE" => AuthenticateAsync(c, ct),
        "SELECT" or "EXAMINE" => SelectAsync(c, ct),
        "CREATE" => CreateAsync(c, ct),
        "DELETE" => DeleteAsync(c, ct),
        "RENAME" => RenameAsync(c, ct),
        "SUBSCRIBE" or "UNSUBSCRIBE" => SubscribeAsync(c, ct),
        "LIST" or "LSUB" => ListAsync(c, ct),
        "STATUS" => StatusAsync(c, ct),
        "APPEND" => AppendAsync(c, ct),
        "NAMESPACE" => Done(c, "* NAMESPACE ((\"\" \"/\")) NIL NIL"),
        "ENABLE" => Done(c, "* ENABLED"),
        "IDLE" => IdleAsync(c, ct),
        "CLOSE" => CloseAsync(c, ct),
        "UNSELECT" => UnselectAsync(c),
        "EXPUNGE" => ExpungeAsync(c, ct),
        "SEARCH" => SearchAsync(c, ct),
        "FETCH" => FetchAsync(c, ct),
        "STORE" => StoreAsync(c, ct),
        "COPY" => CopyAsync(c, move: false, ct),
        "MOVE" => CopyAsync(c, move: true, ct),
        _ => throw new CommandSyntaxException("Unknown command"),
    };

    private Task Done(ImapCommand c, string untagged)
    {
        output.Line(untagged);
        return Ok(c, c.Name + " completed");
    }

    private Task Ok(ImapCommand c, string text)
    {
        output.Line($"{c.Tag} OK {text}");
        return Task.CompletedTask;
    }

    private Task No(ImapCommand c, string text)
    {
        output.Line($"{c.Tag} NO {text}");
        return Task.CompletedTask;
    }

    private async Task BadAsync(string tag, string reason, CancellationToken ct)
    {
        output.Line($"{tag} BAD {Sanitize(reason)}");
        await FlushAsync(ct).ConfigureAwait(false);
        if (++badCommands >= options.MaxBadCommands)
        {
            throw new SessionClosedException(ImapReplies.TooManyInvalidCommands);
        }
    }

    private static string Sanitize(string text) => new(text.Select(ch => ch is >= ' ' and < (char)0x7f ? ch : '?').ToArray());

    private Task CapabilityAsync(ImapCommand c)
    {
        output.Line("* CAPABILITY " + Capabilities());
        return Ok(c, "CAPABILITY completed");
    }

    private async Task NoopAsync(ImapCommand c, CancellationToken ct)
    {
        if (selected is not null)
        {
            await SyncAsync(ct).ConfigureAwait(false);
        }

        await Ok(c, c.Name + " completed").ConfigureAwait(false);
    }

    private Task LogoutAsync(ImapCommand c)
    {
        output.Line("* BYE Logging out");
        loggingOut = true;
        return Ok(c, "LOGOUT completed");
    }

    private Task IdAsync(ImapCommand c)
    {
        output.Line("* ID (\"name\" \"OpenMSS\" \"vendor\" \"OpenMSS\")");
        return Ok(c, "ID completed");
    }

    private async Task StartTlsCommandAsync(ImapCommand c, CancellationToken ct)
    {
        if (tls)
        {
            await BadAsync(c.Tag, "TLS is already active", ct).ConfigureAwait(false);
            return;
        }

        output.Line($"{c.Tag} OK Begin TLS negotiation now");
        await FlushAsync(ct).ConfigureAwait(false);
        if (!await StartTlsAsync(ct).ConfigureAwait(false))
        {
            throw new SessionClosedException("TLS negotiation failed");
        }
    }

    /// <summary>
    /// Starts TLS on the raw connection. Whatever the client sent after STARTTLS in plaintext is
    /// dropped with the old reader (RFC 3501 §6.2.1; the CVE-2011-0411 command injection).
    /// </summary>
    private async Task<bool> StartTlsAsync(CancellationToken ct)
    {
        if (options.ServerCertificate is null)
        {
            return false;
        }

        await reader.CompleteAsync().ConfigureAwait(false);
        var ssl = new SslStream(network, leaveInnerStreamOpen: true);
        using var timer = new CancellationTokenSource(options.UnauthenticatedTimeout, time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
        try
        {
            await ssl.AuthenticateAsServerAsync(TlsSettings.ServerOptions(options.ServerCertificate, askClientCertificate: false), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
        {
            logger.LogDebug("TLS handshake with {Client} failed: {Reason}", plainClient.Address, ex.GetType().Name);
            await ssl.DisposeAsync().ConfigureAwait(false);
            reader = PipeReader.Create(Stream.Null);
            return false;
        }

        stream = ssl;
        reader = PipeReader.Create(ssl, new StreamPipeReaderOptions(leaveOpen: true));
        tls = true;
        return true;
    }

    // ---- Framing -----------------------------------------------------------------------

    private sealed record Request(string Tag, List<byte[]> Lines, List<byte[]> Literals, string? Error);

    private TimeSpan ReadTimeout => state == ImapState.NotAuthenticated ? options.UnauthenticatedTimeout : options.IdleTimeout;

    /// <summary>Reads one command: its lines and literals. Null when the client closed the connection.</summary>
    private async Task<Request?> ReadCommandAsync(CancellationToken ct)
    {
        var lines = new List<byte[]>();
        var literals = new List<byte[]>();
        long total = 0;
        while (true)
        {
            var line = await ReadLineAsync(ct).ConfigureAwait(false);
            if (line is null)
            {
                return null;
            }

            if (line.TooLong)
            {
                return new Request(lines.Count > 0 ? ImapCommandParser.PeekTag(lines[0]) : "*", [[]], [], ImapReplies.LineTooLong);
            }

            lines.Add(line.Bytes);
            var tag = ImapCommandParser.PeekTag(lines[0]);
            if (!ImapCommandParser.TryGetLiteralAnnouncement(line.Bytes, out var size, out var nonSync))
            {
                return new Request(tag, lines, literals, null);
            }

            var cap = IsAppend(lines[0]) ? options.MaxAppendSize : options.MaxLiteralSize;

            // Every literal costs a line and a buffer even when empty: their number is bounded too.
            total += size + line.Bytes.Length;
            if (size > cap || total > options.MaxAppendSize + options.MaxLiteralSize || literals.Count >= MaxLiteralsPerCommand)
            {
                if (nonSync)
                {
                    // The client is already sending the bytes: there is no way to skip them safely.
                    throw new SessionClosedException(ImapReplies.LiteralTooBig);
                }

                return new Request(tag, [[]], [], ImapReplies.LiteralTooBig);
            }

            if (!nonSync)
            {
                output.Line("+ Ready for literal data");
                await FlushAsync(ct).ConfigureAwait(false);
            }

            literals.Add(await ReadExactAsync((int)size, ct).ConfigureAwait(false));
        }
    }

    private static bool IsAppend(byte[] firstLine)
    {
        var text = Encoding.ASCII.GetString(firstLine, 0, Math.Min(firstLine.Length, 80));
        var parts = text.Split(' ', 3);
        return parts.Length >= 2 && parts[1].Equals("APPEND", StringComparison.OrdinalIgnoreCase);
    }

    private sealed record LineResult(byte[] Bytes, bool TooLong);

    private async Task<LineResult?> ReadLineAsync(CancellationToken ct)
    {
        var discarding = false;
        while (true)
        {
            var result = await ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is { } position)
            {
                var lineBuffer = buffer.Slice(0, position);
                var bytes = discarding ? [] : lineBuffer.ToArray();
                reader.AdvanceTo(buffer.GetPosition(1, position));
                if (discarding)
                {
                    return new LineResult([], true);
                }

                var length = bytes.Length > 0 && bytes[^1] == '\r' ? bytes.Length - 1 : bytes.Length;
                return new LineResult(bytes.AsSpan(0, length).ToArray(), false);
            }

            if (buffer.Length > options.MaxLineLength)
            {
                discarding = true;
                reader.AdvanceTo(buffer.End);
                continue;
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                return null;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private async Task<byte[]> ReadExactAsync(int size, CancellationToken ct)
    {
        var bytes = new byte[size];
        var filled = 0;
        while (filled < size)
        {
            var result = await ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            var take = (int)Math.Min(buffer.Length, size - filled);
            buffer.Slice(0, take).CopyTo(bytes.AsSpan(filled));
            filled += take;
            reader.AdvanceTo(buffer.GetPosition(take));
            if (take == 0 && result.IsCompleted)
            {
                throw new IOException("Connection closed inside a literal");
            }
        }

        return bytes;
    }

    private async ValueTask<ReadResult> ReadAsync(CancellationToken ct)
    {
        using var timer = new CancellationTokenSource(ReadTimeout, time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
        try
        {
            return await reader.ReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SessionTimeoutException();
        }
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        if (output.Length == 0)
        {
            return;
        }

        await stream.WriteAsync(output.WrittenMemory, ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
        output.Clear();
    }

    private async Task TrySendAsync(string line)
    {
        try
        {
            output.Clear();
            output.Raw(line);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), time);
            await FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or NotSupportedException or InvalidOperationException)
        {
            logger.LogDebug("Could not say goodbye to {Client}: {Reason}", plainClient.Address, ex.GetType().Name);
        }
    }

    private async ValueTask AuditAsync(string action, string result, string? detail, CancellationToken ct, string? actor = null)
    {
        if (audit is null)
        {
            return;
        }

        await audit.RecordAsync(
            new ImapAuditEvent(time.GetUtcNow(), actor ?? principal?.Actor ?? "anonymous", mailbox?.Address ?? principal?.MailboxAddress, action, result, Client.Address, detail),
            ct).ConfigureAwait(false);
    }
}

/// <summary>A command whose arguments do not follow the grammar: a BAD reply, the session goes on.</summary>
internal sealed class CommandSyntaxException(string reason) : Exception(reason);

/// <summary>Ends the session with <c>* BYE reason</c>.</summary>
internal sealed class SessionClosedException(string reason) : Exception(reason);

internal sealed class SessionTimeoutException : Exception;
