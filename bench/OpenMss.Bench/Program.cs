using System.Globalization;
using Microsoft.Extensions.Logging;
using OpenMss.Benchmarks;

// Relay throughput: messages per second accepted durably by one operator's relay over mutual
// TLS, from N concurrent sessions each sending messages of S bytes back to back (pipelined
// MAIL/RCPT/DATA). The load generator runs in the same process on the same 2 cores, as a
// peer operator would on the same machine; its CPU is included in the process figures.
// The load itself is OpenMss.Benchmarks (also behind `openmss bench relay`).
//
// usage: OpenMss.Bench relay [--backend sqlite|postgres] [--connections 16] [--size 8192] [--seconds 20] [--warmup 3]
//        OpenMss.Bench relay-external --target 127.0.0.1:2525 --cert client.pem --key client.key --anchor ca.pem
//              [--rcpt-domain medecin.mssante.fr] [--connections 16] [--size 8192] [--seconds 20] [--warmup 3]
//              [--server-pid PID[,PID]] [--delivered-dir DIR] [--label NAME]
//              [--kind text|attachment|pharmacy] [--seed 1] [--variants 8]
//   The same clients against any server (another OpenMSS process, Postfix, ...): bench/compare.sh.
//        OpenMss.Bench messages --out DIR [--kind text] [--size 8192] [--seed 1] [--variants 8]
//   Writes the same messages as files (DIR/0.eml, ...) for another client (bench/smtp_load.py).
var arguments = Args.Parse(args);
if (arguments.Command == "relay-external")
{
    return await ExternalRelay.RunAsync(arguments);
}

if (arguments.Command == "messages")
{
    return BenchMessages.Write(arguments);
}

if (arguments.Command != "relay")
{
    Console.Error.WriteLine("usage: OpenMss.Bench relay [--backend sqlite|postgres] [--connections 16] [--size 8192] [--seconds 20] [--warmup 3]");
    Console.Error.WriteLine("       OpenMss.Bench relay-external --target host:port --cert client.pem --key client.key --anchor ca.pem [--server-pid PID] [--delivered-dir DIR] [--kind text|attachment|pharmacy] ...");
    Console.Error.WriteLine("       OpenMss.Bench messages --out DIR [--kind text|attachment|pharmacy] [--size 8192] [--seed 1] [--variants 8]");
    return 2;
}

var backend = arguments.Get("backend", "sqlite");
var connections = int.Parse(arguments.Get("connections", "16"), CultureInfo.InvariantCulture);
var size = int.Parse(arguments.Get("size", "8192"), CultureInfo.InvariantCulture);
var seconds = double.Parse(arguments.Get("seconds", "20"), CultureInfo.InvariantCulture);
var warmup = double.Parse(arguments.Get("warmup", "3"), CultureInfo.InvariantCulture);

using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole());
var result = await LocalRelayBenchmark.RunAsync(new LocalRelayBenchmarkOptions
{
    PostgresAdminConnectionString = backend == "postgres"
        ? Environment.GetEnvironmentVariable("OPENMSS_TEST_POSTGRES")
            ?? throw new InvalidOperationException("OPENMSS_TEST_POSTGRES is not set (bench/run.sh starts a PostgreSQL and sets it).")
        : null,
    Connections = connections,
    MessageSize = size,
    Duration = TimeSpan.FromSeconds(seconds),
    Warmup = TimeSpan.FromSeconds(warmup),
    LoggerFactory = loggerFactory,
});

var count = result.Messages;
var elapsed = result.Elapsed.TotalSeconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"relay backend={backend} connections={connections} size={size} seconds={elapsed:F1} messages={count} rate={count / elapsed:F0}/s " +
    $"cpu_per_message={result.CpuMillisecondsPerMessage:F2}ms p50={result.P50.TotalMilliseconds:F1}ms p99={result.P99.TotalMilliseconds:F1}ms"));
return 0;

internal sealed record Args(string Command, Dictionary<string, string> Options)
{
    public static Args Parse(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }

        return new Args(args.Length > 0 ? args[0] : "", options);
    }

    public string Get(string name, string fallback) => Options.TryGetValue(name, out var v) ? v : fallback;
}
