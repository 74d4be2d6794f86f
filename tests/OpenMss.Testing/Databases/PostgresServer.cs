using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace OpenMss.Testing;

/// <summary>
/// The PostgreSQL server the tests run on. <c>OPENMSS_TEST_POSTGRES</c> (an Npgsql connection
/// string to a server where the user may <c>CREATE DATABASE</c>) names an existing one; otherwise
/// one throwaway cluster is started per test process (<c>initdb</c> + <c>pg_ctl</c> in a temporary
/// folder, on a free loopback port, without fsync) and stopped and deleted at process exit.
/// </summary>
/// <remarks>
/// When PostgreSQL is not installed the tests that need it fail with a message saying how to get
/// it: they are never skipped silently.
/// </remarks>
public sealed class PostgresServer
{
    /// <summary>The environment variable that names an existing server.</summary>
    public const string EnvironmentVariable = "OPENMSS_TEST_POSTGRES";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PostgresServer? instance;
    private static Exception? startFailure;

    private readonly Cluster? cluster;

    private PostgresServer(string adminConnectionString, Cluster? cluster)
    {
        AdminConnectionString = adminConnectionString;
        this.cluster = cluster;
    }

    /// <summary>A connection string to the server's <c>postgres</c> database, as a superuser (or a user allowed to create databases).</summary>
    public string AdminConnectionString { get; }

    /// <summary>True when this process started the cluster (false when <see cref="EnvironmentVariable"/> named one).</summary>
    public bool IsThrowaway => cluster is not null;

    /// <summary>The server for this test process, started on first use.</summary>
    public static async Task<PostgresServer> GetAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref instance) is { } ready)
        {
            return ready;
        }

        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (instance is not null)
            {
                return instance;
            }

            if (startFailure is not null)
            {
                throw new InvalidOperationException(startFailure.Message, startFailure);
            }

            try
            {
                instance = await StartAsync(cancellationToken);
                return instance;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                startFailure = ex;
                throw;
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Creates an empty database <c>openmss_t_…</c>; returns its name and a connection string to it.</summary>
    public async Task<(string Name, string ConnectionString)> CreateDatabaseAsync(CancellationToken cancellationToken = default)
    {
        var name = "openmss_t_" + Guid.NewGuid().ToString("N")[..16];
        await ExecuteAsync($"CREATE DATABASE {name}", cancellationToken);
        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString)
        {
            Database = name,
            MaxPoolSize = 20,
        };
        return (name, builder.ConnectionString);
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing what is still connected to it.</summary>
    public async Task DropDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!name.StartsWith("openmss_t_", StringComparison.Ordinal) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException("Only test databases made by CreateDatabaseAsync are dropped.", nameof(name));
        }

        await ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", cancellationToken);
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken)
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var builder = new NpgsqlConnectionStringBuilder(configured);
            if (string.IsNullOrEmpty(builder.Database))
            {
                builder.Database = "postgres";
            }

            return new PostgresServer(builder.ConnectionString, null);
        }

        var cluster = await Cluster.StartAsync(cancellationToken);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
        var admin = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = cluster.Port,
            Username = "postgres",
            Database = "postgres",
            Pooling = true,
            MaxPoolSize = 10,
        };
        return new PostgresServer(admin.ConnectionString, cluster);
    }

    /// <summary>A throwaway cluster in a temporary folder.</summary>
    private sealed class Cluster
    {
        private const string ServiceUser = "postgres";

        private readonly string binDirectory;
        private readonly string root;
        private readonly bool asServiceUser;
        private int stopped;

        private Cluster(string binDirectory, string root, bool asServiceUser, int port)
        {
            this.binDirectory = binDirectory;
            this.root = root;
            this.asServiceUser = asServiceUser;
            Port = port;
        }

        public int Port { get; }

        private string DataDirectory => Path.Combine(root, "data");

        public static async Task<Cluster> StartAsync(CancellationToken cancellationToken)
        {
            var bin = FindBinDirectory() ?? throw new InvalidOperationException(
                "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb), so the PostgreSQL storage tests cannot run. " +
                "Run ./test.sh (it installs the 'postgresql' package), or install it (apt-get install postgresql), " +
                $"or set {EnvironmentVariable} to an Npgsql connection string of a server where the tests may CREATE DATABASE.");
            var root = Path.Combine(Path.GetTempPath(), $"openmss-pg-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
            Directory.CreateDirectory(root);
            // PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.
            var asServiceUser = Environment.IsPrivilegedProcess;
            try
            {
                if (asServiceUser)
                {
                    await RunAsync("chown", ["-R", $"{ServiceUser}:{ServiceUser}", root], cancellationToken);
                }

                var cluster = new Cluster(bin, root, asServiceUser, 0);
                await cluster.RunToolAsync("initdb",
                    ["-D", cluster.DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
                    cancellationToken);

                Exception? lastFailure = null;
                for (var attempt = 0; attempt < 3; attempt++)
                {
                    var started = new Cluster(bin, root, asServiceUser, FreePort());
                    try
                    {
                        await started.RunToolAsync("pg_ctl",
                            ["-w", "-t", "60", "-D", started.DataDirectory, "-l", Path.Combine(root, "server.log"), "-o",
                             $"-p {started.Port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off " +
                             "-c synchronous_commit=off -c max_connections=300 -c shared_buffers=64MB",
                             "start"],
                            cancellationToken);
                        started.StartWatchdog();
                        return started;
                    }
                    catch (InvalidOperationException ex)
                    {
                        // Most likely the port was taken between probing and binding: try another.
                        var log = Path.Combine(root, "server.log");
                        lastFailure = File.Exists(log)
                            ? new InvalidOperationException(ex.Message + Environment.NewLine + await File.ReadAllTextAsync(log, cancellationToken), ex)
                            : ex;
                    }
                }

                throw new InvalidOperationException("The throwaway PostgreSQL cluster did not start: " + lastFailure!.Message, lastFailure);
            }
            catch
            {
                TryDelete(root);
                throw;
            }
        }

        public void Stop()
        {
            if (Interlocked.Exchange(ref stopped, 1) != 0)
            {
                return;
            }

            try
            {
                using var process = Process.Start(StartInfo("pg_ctl", ["stop", "-D", DataDirectory, "-m", "immediate", "-w", "-t", "20"]));
                process?.WaitForExit(30_000);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // pg_ctl vanished: nothing left to stop.
            }

            TryDelete(root);
        }

        /// <summary>
        /// A detached shell that stops the cluster and deletes its folder once this test process is
        /// gone, even when it was killed and never ran its exit handlers.
        /// </summary>
        private void StartWatchdog()
        {
            var stop = StartInfo("pg_ctl", ["stop", "-D", DataDirectory, "-m", "immediate", "-w", "-t", "20"]);
            var stopCommand = string.Join(' ', new[] { stop.FileName }.Concat(stop.ArgumentList).Select(Quote));
            var script =
                "exec </dev/null >/dev/null 2>&1; " +
                $"while kill -0 {Environment.ProcessId}; do sleep 1; done; " +
                $"if [ -d {Quote(DataDirectory)} ]; then {stopCommand}; rm -rf {Quote(root)}; fi";
            var start = new ProcessStartInfo("setsid")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "-f", "sh", "-c", script })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start);
            process?.WaitForExit(5000);
        }

        private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

        private static string? FindBinDirectory()
        {
            const string Installed = "/usr/lib/postgresql";
            if (!Directory.Exists(Installed))
            {
                return null;
            }

            return Directory.GetDirectories(Installed)
                .Select(directory => (directory, version: int.TryParse(Path.GetFileName(directory), out var v) ? v : 0))
                .OrderByDescending(x => x.version)
                .Select(x => Path.Combine(x.directory, "bin"))
                .FirstOrDefault(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")));
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        private Task RunToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
        {
            var start = StartInfo(tool, arguments);
            return RunAsync(start.FileName, start.ArgumentList.ToArray(), cancellationToken);
        }

        private ProcessStartInfo StartInfo(string tool, IReadOnlyList<string> arguments)
        {
            var executable = Path.Combine(binDirectory, tool);
            var start = new ProcessStartInfo(asServiceUser ? "runuser" : executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = root,
            };
            if (asServiceUser)
            {
                foreach (var argument in new[] { "-u", ServiceUser, "--", executable })
                {
                    start.ArgumentList.Add(argument);
                }
            }

            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            return start;
        }

        private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
        {
            var start = new ProcessStartInfo(fileName)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
            // pg_ctl leaves the server holding its output pipes: read them only until the tool exits.
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                string text;
                try
                {
                    text = string.Join(Environment.NewLine, await Task.WhenAll(output, error).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken));
                }
                catch (TimeoutException)
                {
                    text = "(no output)";
                }

                throw new InvalidOperationException($"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}: {text}");
            }
        }

        private static void TryDelete(string directory)
        {
            for (var attempt = 0; attempt < 5 && Directory.Exists(directory); attempt++)
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (IOException)
                {
                    // The server may still be removing its own files: try again.
                    Thread.Sleep(100);
                }
                catch (UnauthorizedAccessException)
                {
                    Thread.Sleep(100);
                }
            }
        }
    }
}
