using System.Data.Common;
using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using OpenMss.Benchmarks;

namespace OpenMss.Cli.Commands;

/// <summary>
/// <c>openmss bench relay</c>: the relay throughput measurement (docs/benchmarks.md). By default a self-contained
/// run (throwaway trust space and operator, removed afterwards); with <c>--target</c>, the same load
/// against an operator that is already running, to measure one's own deployment.
/// </summary>
internal static class BenchCommands
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure this software's performance (docs/benchmarks.md).");
        command.Subcommands.Add(Relay());
        return command;
    }

    private static Command Relay()
    {
        var target = new Option<string?>("--target") { Description = "host:port of a running operator's relay to load (default: start a throwaway operator)." };
        var cert = new Option<FileInfo?>("--cert") { Description = "With --target: the sending operator's certificate (PEM), issued by the trust space." };
        var key = new Option<FileInfo?>("--key") { Description = "With --target: its private key (PEM)." };
        var anchor = new Option<FileInfo?>("--anchor") { Description = "With --target: the trust space authority (ca.pem) the server certificate must chain to." };
        var toDomain = new Option<string>("--to-domain")
        {
            Description = "With --target: the recipients' domain (one mailbox dr<N>@domain per connection unless --to is given).",
            DefaultValueFactory = _ => LocalRelayBenchmark.ReceiverDomain,
        };
        var to = new Option<string[]>("--to")
        {
            Description = "With --target: recipient mailboxes to use instead of dr<N>@domain (repeat; used in turn by the connections).",
            AllowMultipleArgumentsPerToken = true,
        };
        var from = new Option<string>("--from")
        {
            Description = "With --target: the envelope sender, in a domain of the --cert operator.",
            DefaultValueFactory = _ => "claire.martin@pharmacien.mssante.fr",
        };
        var postgres = new Option<string?>("--postgres")
        {
            Description = "Without --target: a PostgreSQL connection string to a server where the benchmark may create (and then drop) a database; SQLite otherwise.",
        };
        var connections = new Option<int>("--connections") { Description = "Concurrent SMTP sessions.", DefaultValueFactory = _ => 16 };
        var size = new Option<int>("--size") { Description = "Size of each message in bytes.", DefaultValueFactory = _ => 8192 };
        var seconds = new Option<double>("--seconds") { Description = "Length of the measured window in seconds.", DefaultValueFactory = _ => 20 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of load before measuring (not counted).", DefaultValueFactory = _ => 3 };
        var outboxConsumers = new Option<string[]>("--outbox-consumer")
        {
            Description = "Without --target: register a durable outbox consumer of this name (repeatable), so that every delivery also writes outbox rows.",
            DefaultValueFactory = _ => [],
        };
        var messages = new Option<long?>("--messages") { Description = "End the measured window after this many accepted messages instead of after --seconds." };
        var command = new Command("relay", "Relay throughput: messages per second accepted durably over mutual TLS, CPU per message, latency.")
        {
            target, cert, key, anchor, toDomain, to, from, postgres, connections, size, seconds, warmup, messages, outboxConsumers,
        };
        command.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            var window = Seconds(parse.GetValue(seconds), "--seconds");
            var warm = Seconds(parse.GetValue(warmup), "--warmup");
            var sessions = parse.GetValue(connections);
            var bytes = parse.GetValue(size);
            var count = parse.GetValue(messages);
            RelayLoadOptions.ValidateLoad(sessions, bytes, warm, window, count);
            try
            {
                RelayLoadResult result;
                string what;
                if (parse.GetValue(target) is { } endpoint)
                {
                    if (parse.GetValue(postgres) is not null)
                    {
                        return Common.Fail("--postgres is for the self-contained run, not with --target.");
                    }

                    var (host, port) = ParseEndpoint(endpoint);
                    var certFile = Required(parse.GetValue(cert), "--cert");
                    var keyFile = Required(parse.GetValue(key), "--key");
                    var anchorFile = Required(parse.GetValue(anchor), "--anchor");
                    using var client = X509Certificate2.CreateFromPemFile(certFile.FullName, keyFile.FullName);
                    using var authority = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(anchorFile.FullName, cancellationToken));
                    var recipients = parse.GetValue(to) ?? [];
                    var domain = parse.GetValue(toDomain)!.Trim();
                    result = await RelayLoad.RunAsync(new RelayLoadOptions
                    {
                        Host = host,
                        Port = port,
                        ClientCertificate = client,
                        TrustAnchor = authority,
                        RecipientDomain = domain,
                        Recipient = recipients.Length == 0 ? null : i => recipients[i % recipients.Length].Trim(),
                        Sender = parse.GetValue(from)!.Trim(),
                        Connections = sessions,
                        MessageSize = bytes,
                        Warmup = warm,
                        Duration = window,
                        Messages = count,
                    }, cancellationToken);
                    what = $"{endpoint}; CPU is this load generator's only";
                }
                else
                {
                    using var loggers = Common.CreateLoggerFactory(verbose: false, LogLevel.Warning);
                    var admin = parse.GetValue(postgres);
                    result = await LocalRelayBenchmark.RunAsync(new LocalRelayBenchmarkOptions
                    {
                        PostgresAdminConnectionString = admin,
                        Connections = sessions,
                        MessageSize = bytes,
                        Warmup = warm,
                        Duration = window,
                        Messages = count,
                        LoggerFactory = loggers,
                        OutboxConsumers = parse.GetValue(outboxConsumers) ?? [],
                    }, cancellationToken);
                    what = $"throwaway operator on {(admin is null ? "SQLite" : "PostgreSQL")}; CPU is the operator's and the load generator's";
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Relay: {result.Messages} messages in {result.Elapsed.TotalSeconds:F1} s, {result.MessagesPerSecond:F0} messages/s, " +
                    $"{result.CpuMillisecondsPerMessage:F2} ms CPU per message, latency p50 {result.P50.TotalMilliseconds:F1} ms, " +
                    $"p99 {result.P99.TotalMilliseconds:F1} ms ({sessions} connections, {bytes} bytes per message, {what})."));
                return 0;
            }
            catch (SocketException e)
            {
                return Common.Fail($"cannot connect to the relay: {e.Message}");
            }
            catch (AuthenticationException e)
            {
                return Common.Fail($"TLS handshake failed (certificate refused on one side?): {e.Message}");
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                return Common.Fail($"certificate, key or anchor file: {e.Message}");
            }
            catch (DbException e)
            {
                return Common.Fail($"database: {e.Message}");
            }
        }));
        return command;
    }

    private static TimeSpan Seconds(double value, string option)
    {
        if (double.IsNaN(value) || double.IsInfinity(value) || value < 0 || value > 86_400)
        {
            throw new ArgumentException($"{option} {value.ToString(CultureInfo.InvariantCulture)}: expected a number of seconds between 0 and 86400.");
        }

        return TimeSpan.FromSeconds(value);
    }

    private static FileInfo Required(FileInfo? file, string option) =>
        file is null ? throw new ArgumentException($"{option} is required with --target.")
        : file.Exists ? file
        : throw new ArgumentException($"{option} {file.FullName}: no such file.");

    /// <summary>Parses <c>host:port</c> or <c>[IPv6]:port</c>.</summary>
    private static (string Host, int Port) ParseEndpoint(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"--target {text}: expected host:port.");
        }

        return (text[..colon].Trim('[', ']'), port);
    }
}
