using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using OpenMss.Sasl;
using OpenMss.Smtp.Inbound;
using OpenMss.Smtp.Protocol;

namespace OpenMss.InternetMail.Catcher;

/// <summary>Configuration of an <see cref="InternetMailCatcher"/>.</summary>
public sealed class InternetMailCatcherOptions
{
    /// <summary>The folder that receives one <c>.eml</c> file per message (created when missing).</summary>
    public required string Folder { get; init; }

    /// <summary>Where to listen; a loopback address only. Default 127.0.0.1 on a free port.</summary>
    public IPEndPoint EndPoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>The certificate (with its private key) offered on STARTTLS; without it STARTTLS is not offered and no credentials are asked.</summary>
    public X509Certificate2? ServerCertificate { get; init; }

    /// <summary>The server's name in its greeting.</summary>
    public string HostName { get; init; } = "localhost";

    /// <summary>When set (with <see cref="Password"/>), AUTH PLAIN is required after STARTTLS, as a real smarthost would.</summary>
    public string? UserName { get; init; }

    /// <summary>The password of <see cref="UserName"/>.</summary>
    public string? Password { get; init; }

    /// <summary>The clock of the session timeouts and the file names.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>
/// The demo's stand-in for the Internet: a local SMTP listener (RFC 5321, the project's own
/// <see cref="SmtpServer"/>) that accepts any message for any recipient and writes it, as received,
/// to an <c>.eml</c> file (RFC 5322) in a folder, so people and tests can read the one-time codes and
/// notifications meant for patients' personal addresses. Listens on loopback only.
/// </summary>
public sealed class InternetMailCatcher : IAsyncDisposable
{
    private readonly SmtpServer _server;

    private InternetMailCatcher(SmtpServer server, string folder)
    {
        _server = server;
        Folder = folder;
    }

    /// <summary>The folder the messages are written to.</summary>
    public string Folder { get; }

    /// <summary>The address and port actually listened on.</summary>
    public IPEndPoint EndPoint => _server.LocalEndPoint;

    /// <summary>Starts listening.</summary>
    public static async Task<InternetMailCatcher> StartAsync(InternetMailCatcherOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Folder);
        if (!IPAddress.IsLoopback(options.EndPoint.Address))
        {
            throw new InvalidOperationException("The Internet mail catcher listens on a loopback address only.");
        }

        if (options.UserName is not null && (options.Password is null || options.ServerCertificate is null))
        {
            throw new InvalidOperationException("Catcher credentials need a password and a server certificate (AUTH only after STARTTLS).");
        }

        var folder = Path.GetFullPath(options.Folder);
        Directory.CreateDirectory(folder);
        var server = new SmtpServer(new SmtpServerOptions
        {
            EndPoint = options.EndPoint,
            HostName = options.HostName,
            ServerCertificate = options.ServerCertificate,
            RequestClientCertificate = false,
            RequireTls = options.ServerCertificate is not null,
            TimeProvider = options.TimeProvider,
        }, new CatcherPolicy(folder, options.UserName, options.Password, options.TimeProvider), loggerFactory);
        await server.StartAsync(cancellationToken).ConfigureAwait(false);
        return new InternetMailCatcher(server, folder);
    }

    /// <summary>The <c>.eml</c> files written so far, oldest first.</summary>
    public IReadOnlyList<string> Messages() =>
        Directory.EnumerateFiles(Folder, "*.eml").Order(StringComparer.Ordinal).ToList();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync().ConfigureAwait(false);

    /// <summary>Accepts everything (after AUTH when credentials are configured) and keeps each message in a file.</summary>
    private sealed class CatcherPolicy(string folder, string? userName, string? password, TimeProvider time) : ISmtpPolicy
    {
        private long _sequence;

        public IReadOnlyList<string> GetExtensions(SmtpSessionContext session) =>
            userName is not null && session.IsTls ? ["AUTH PLAIN"] : [];

        public async ValueTask<SmtpReply> OnAuthenticateAsync(SmtpSessionContext session, string argument, ISaslChannel channel, CancellationToken cancellationToken = default)
        {
            if (userName is null)
            {
                return SmtpReplies.NotImplemented;
            }

            if (!session.IsTls)
            {
                return SmtpReplies.StartTlsFirst;
            }

            var parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 0 || !string.Equals(parts[0], "PLAIN", StringComparison.OrdinalIgnoreCase))
            {
                return SmtpReplies.AuthMechanismUnknown;
            }

            var response = parts.Length > 1 ? parts[1] : await channel.ChallengeAsync(string.Empty, cancellationToken).ConfigureAwait(false);
            if (!PlainMessage.TryParseBase64(response, out var plain, out _))
            {
                return SmtpReplies.AuthCancelled;
            }

            if (!FixedTimeEquals(plain.AuthenticationIdentity, userName) | !FixedTimeEquals(plain.Password, password!))
            {
                return SmtpReplies.AuthFailed;
            }

            session.PolicyState = true;
            return SmtpReplies.AuthSucceeded;
        }

        public ValueTask<SmtpReply> OnMailFromAsync(SmtpSessionContext session, SmtpTransaction transaction, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(userName is not null && session.PolicyState is not true ? SmtpReplies.AuthenticationRequired : SmtpReplies.SenderOk);

        public ValueTask<SmtpReply> OnRecipientAsync(SmtpSessionContext session, SmtpTransaction transaction, RcptToCommand command, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(SmtpReplies.RecipientOk);

        public async ValueTask<SmtpReply> OnMessageAsync(SmtpSessionContext session, SmtpTransaction transaction, SmtpMessageContent message, CancellationToken cancellationToken = default)
        {
            // Time first so a folder listing reads in arrival order; written aside then renamed so a
            // reader never sees half a message.
            var name = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{time.GetUtcNow():yyyyMMdd'T'HHmmssfff}-{Interlocked.Increment(ref _sequence):D6}-{transaction.Id}");
            var temporary = Path.Combine(folder, name + ".tmp");
            var final = Path.Combine(folder, name + ".eml");
            var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(message.Content, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, final);
            return SmtpReplies.MessageAccepted(transaction.Id);
        }

        private static bool FixedTimeEquals(string given, string expected) =>
            CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }
}
