using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using OpenMss.Host.Configuration;
using OpenMss.Storage;

namespace OpenMss.Cli.Commands;

/// <summary>Options and helpers shared by the commands.</summary>
internal static class Common
{
    public static Option<FileInfo> ConfigOption() => new("--config", "-c")
    {
        Description = "The operator's configuration file (JSON, see docs/configuration.md).",
        Required = true,
    };

    public static Option<bool> VerboseOption() => new("--verbose", "-v")
    {
        Description = "Log debug details (never message content or secrets).",
    };

    public static ILoggerFactory CreateLoggerFactory(bool verbose, LogLevel normal = LogLevel.Information) =>
        LoggerFactory.Create(b => b
            .SetMinimumLevel(verbose ? LogLevel.Debug : normal)
            .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
            .AddFilter("Microsoft.Hosting", LogLevel.Warning)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            }));

    /// <summary>Opens the store a configuration names, for the administration commands.</summary>
    public static Task<IMailStore> OpenStoreAsync(FileInfo configFile, CancellationToken cancellationToken) =>
        OpenStoreAsync(OperatorConfig.Load(configFile.FullName), cancellationToken);

    /// <summary>Opens the store of a loaded configuration (an operator's or the patient space's).</summary>
    public static async Task<IMailStore> OpenStoreAsync(OperatorConfig config, CancellationToken cancellationToken)
    {
        return await MailStoreFactory.OpenAsync(config.Storage.ToStorageOptions(), cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Runs a command body, turning the errors an administrator can fix into one line on
    /// standard error and exit code 1, instead of a stack trace.
    /// </summary>
    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (ConfigurationException e)
        {
            return Fail(e.Message);
        }
        catch (IOException e)
        {
            return Fail(e.Message);
        }
        catch (HttpRequestException e)
        {
            return Fail(e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            return Fail(e.Message);
        }
        catch (FormatException e)
        {
            return Fail(e.Message);
        }
        catch (ArgumentException e)
        {
            return Fail(e.Message);
        }
        catch (InvalidOperationException e)
        {
            return Fail(e.Message);
        }
    }

    /// <summary>
    /// Waits for Ctrl-C (SIGINT) or SIGTERM, then returns so the caller disposes what it started,
    /// in order. The signals are handled here rather than left to each embedded host.
    /// </summary>
    public static async Task WaitForShutdownAsync(CancellationToken cancellationToken)
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.TrySetResult();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var registration = cancellationToken.Register(() => stop.TrySetResult());
        await stop.Task;
    }

    /// <summary>Who acts from this command line, as the audit trail names it.</summary>
    public static string CliActor => "cli:" + Environment.UserName;

    /// <summary>
    /// An administrator's command that reads, writes or deletes mail is an access like any
    /// other, so it goes to the audit trail too (actor <c>cli:&lt;user&gt;</c>, no client address).
    /// </summary>
    public static Task AuditAsync(IAuditStore store, string? mailbox, string action, string result, string? detail, CancellationToken cancellationToken) =>
        store.AppendAuditAsync(new AuditEvent(TimeProvider.System.GetUtcNow(), CliActor, mailbox, action, result, ClientAddress: null, Detail: detail), cancellationToken);

    /// <summary>
    /// Text from the store that a peer or a client chose (an audit actor is whatever a client sent
    /// as its login, a queue error is the remote server's reply), made safe for a terminal: control
    /// characters (escape sequences could rewrite the screen or forge lines) and bidirectional
    /// overrides are shown as <c>\uXXXX</c>.
    /// </summary>
    public static string Printable(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        static bool Unsafe(char c) => char.IsControl(c) || c is (>= '\u200E' and <= '\u200F') or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
        if (!text.Any(Unsafe))
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (Unsafe(c))
            {
                builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    public static int Fail(string message)
    {
        Console.Error.WriteLine("openmss: " + message);
        return 1;
    }
}
