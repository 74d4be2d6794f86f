using System.CommandLine;
using Microsoft.Extensions.Logging;
using OpenMss.Host;
using OpenMss.Host.Configuration;

namespace OpenMss.Cli.Commands;

/// <summary><c>openmss serve --config &lt;file&gt;</c>: runs one service (an operator, the patient space, the national directory or the identity provider) until Ctrl-C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = Common.ConfigOption();
        var verbose = Common.VerboseOption();
        var command = new Command("serve", "Run one service (operator, patient space, directory or identity provider) from a configuration file (see docs/configuration.md).")
        {
            config,
            verbose,
        };
        command.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            using var loggerFactory = Common.CreateLoggerFactory(parse.GetValue(verbose));
            var logger = loggerFactory.CreateLogger("OpenMss.Serve");
            var path = parse.GetValue(config)!.FullName;
            await using var service = await StartServiceAsync(path, loggerFactory, cancellationToken);
            await Common.WaitForShutdownAsync(cancellationToken);
            logger.LogInformation("Stopping");

            return 0;
        }));
        return command;
    }

    /// <summary>Starts the service the file's <c>"service"</c> key names and prints where it listens.</summary>
    private static async Task<IAsyncDisposable> StartServiceAsync(string path, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        switch (ConfigurationFile.ServiceOf(path))
        {
            case ConfigurationFile.Directory:
                var directory = await DirectoryNode.StartAsync(DirectoryServiceConfig.Load(path), loggerFactory, cancellationToken: cancellationToken);
                Console.WriteLine($"directory: {directory.Server.BaseUrl}");
                return directory;
            case ConfigurationFile.PatientSpace:
                var patientSpace = await PatientSpaceNode.StartAsync(PatientSpaceConfig.Load(path), loggerFactory, cancellationToken: cancellationToken);
                Console.WriteLine($"{patientSpace.Config.Name}: relay {patientSpace.Operator.RelayEndPoint}, web {patientSpace.Operator.WebUrl}");
                return patientSpace;
            case ConfigurationFile.Identity:
                var identity = await IdentityNode.StartAsync(IdentityServiceConfig.Load(path), loggerFactory, cancellationToken);
                Console.WriteLine($"identity: {identity.Issuer}");
                return identity;
            default:
                var settings = OperatorConfig.Load(path);
                var node = await OperatorNode.StartAsync(settings, loggerFactory, cancellationToken: cancellationToken);
                Console.WriteLine($"{settings.Name}: relay {node.RelayEndPoint}, web {node.WebUrl}");
                return node;
        }
    }
}
