using System.CommandLine;
using Microsoft.Extensions.Logging;
using OpenMss.Host;
using OpenMss.Host.Configuration;

namespace OpenMss.Cli.Commands;

/// <summary><c>openmss serve --config &lt;file&gt;</c>: runs one operator node until Ctrl-C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = Common.ConfigOption();
        var verbose = Common.VerboseOption();
        var command = new Command("serve", "Run one operator from a configuration file (see docs/configuration.md).")
        {
            config,
            verbose,
        };
        command.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            using var loggerFactory = Common.CreateLoggerFactory(parse.GetValue(verbose));
            var logger = loggerFactory.CreateLogger("OpenMss.Serve");
            var settings = OperatorConfig.Load(parse.GetValue(config)!.FullName);
            await using var node = await OperatorNode.StartAsync(settings, loggerFactory, cancellationToken: cancellationToken);
            Console.WriteLine($"{settings.Name}: relay {node.RelayEndPoint}, web {node.WebUrl}");
            await Common.WaitForShutdownAsync(cancellationToken);
            logger.LogInformation("Stopping");

            return 0;
        }));
        return command;
    }
}
