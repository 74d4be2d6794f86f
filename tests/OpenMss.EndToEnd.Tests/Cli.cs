using System.Diagnostics;

namespace OpenMss.EndToEnd.Tests;

/// <summary>Runs the real <c>openmss</c> command (the built CLI assembly) as a separate process.</summary>
internal static class Cli
{
    public static string AssemblyPath => typeof(OpenMss.Cli.Program).Assembly.Location;

    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(AssemblyPath);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        return info;
    }

    // Only a guard against a hung process, far above what any command takes on a busy machine.
    public static Task<(int ExitCode, string Out, string Err)> RunAsync(params string[] args) =>
        RunAsync(StartInfo(args), TimeSpan.FromMinutes(5), "openmss " + string.Join(' ', args));

    /// <summary>Runs a process to its end with its input closed, and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Out, string Err)> RunAsync(ProcessStartInfo info, TimeSpan deadline, string what)
    {
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{what} did not exit within {deadline.TotalMinutes} minutes.");
        }

        // WaitForExitAsync returns once the process has exited and its output streams are at their end.
        return (process.ExitCode, await output, await error);
    }
}
