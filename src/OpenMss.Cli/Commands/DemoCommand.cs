using System.CommandLine;
using Microsoft.Extensions.Logging;
using OpenMss.Demo;

namespace OpenMss.Cli.Commands;

/// <summary><c>openmss demo --data &lt;dir&gt;</c>: a whole local trust space in one process (README, "The demo").</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data", "-d")
        {
            Description = "Folder for the demo's data (authority, stores, demo.json). Reused by a later run.",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(Environment.CurrentDirectory, "demo-data")),
        };
        var verbose = Common.VerboseOption();
        var command = new Command("demo", "Run a whole local MSSanté trust space on loopback: operators, trust authority, whitelist.")
        {
            data,
            verbose,
        };
        command.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            using var loggerFactory = Common.CreateLoggerFactory(parse.GetValue(verbose));
            var logger = loggerFactory.CreateLogger("OpenMss.Demo");
            var folder = parse.GetValue(data)!;
            await using var demo = await DemoTrustSpace.StartAsync(folder.FullName, loggerFactory, cancellationToken);

            Console.WriteLine();
            Console.WriteLine("OpenMSS demo trust space is running.");
            foreach (var node in demo.Operators)
            {
                Console.WriteLine($"  {node.Config.Name,-28} {string.Join(", ", node.Config.Domains),-24} relay {node.RelayEndPoint}  web {node.WebUrl}");
            }

            Console.WriteLine($"  Contract: {demo.DemoJsonPath}");
            Console.WriteLine("Press Ctrl-C to stop.");
            await Common.WaitForShutdownAsync(cancellationToken);
            logger.LogInformation("Stopping the demo");

            return 0;
        }));
        return command;
    }
}
