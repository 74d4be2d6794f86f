using Microsoft.Extensions.Logging;
using OpenMss.Host.Configuration;
using OpenMss.PatientSpace.Acceptance;
using OpenMss.PatientSpace.Registry;
using OpenMss.Trust;
using OpenMss.Storage;

namespace OpenMss.Host;

/// <summary>
/// The patient space of Mon espace santé running as one more operator of the trust space: an
/// <see cref="OperatorNode"/> (same relay, mutual TLS, whitelist, routing and queue as the
/// professional operators) whose acceptance pipelines start with <see cref="PatientRecipientPolicy"/>
/// over the patient registry. <c>openmss serve</c> runs one from a <see cref="PatientSpaceConfig"/>;
/// the demo runs one beside its professional operators. Patients are never published in the directory.
/// </summary>
public sealed class PatientSpaceNode : IAsyncDisposable
{
    private PatientSpaceNode(PatientSpaceConfig config, IPatientRegistry registry)
    {
        Config = config;
        Registry = registry;
    }

    public PatientSpaceConfig Config { get; }

    /// <summary>The patient registry (account states at RCPT).</summary>
    public IPatientRegistry Registry { get; }

    /// <summary>The operator node: relay, queue, submission and IMAP listeners, web endpoint, mail store.</summary>
    public OperatorNode Operator { get; private set; } = null!;

    /// <summary>The recipient stage of the patient domain, for the stages built on it (conversations, notifications).</summary>
    public PatientRecipientPolicy RecipientPolicy { get; private set; } = null!;

    /// <summary>Opens the registry, then starts the operator node with the patient stage in its pipelines.</summary>
    /// <param name="routes">A routing table to use instead of the configured one.</param>
    public static async Task<PatientSpaceNode> StartAsync(
        PatientSpaceConfig config,
        ILoggerFactory loggerFactory,
        IRouteResolver? routes = null,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        var registry = await OpenRegistryAsync(config, loggerFactory, timeProvider, cancellationToken);
        var node = new PatientSpaceNode(config, registry);
        try
        {
            node.Operator = await OperatorNode.StartAsync(
                config,
                loggerFactory,
                routes,
                timeProvider,
                store =>
                {
                    node.RecipientPolicy = new PatientRecipientPolicy(registry, store, config.PatientDomain);
                    return [node.RecipientPolicy];
                },
                cancellationToken);
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Opens the registry a configuration names (the CLI's <c>openmss patients</c> too). Its personal
    /// data is sealed with the mail store's key file: one key to keep outside the databases.
    /// </summary>
    public static Task<IPatientRegistry> OpenRegistryAsync(PatientSpaceConfig config, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        return PatientRegistryFactory.OpenAsync(
            new PatientRegistryOptions
            {
                Provider = config.Registry.Provider,
                ConnectionString = config.Registry.ConnectionString,
                EncryptionKeyFile = MailStoreFactory.ResolveEncryptionKeyFile(new StorageOptions
                {
                    Provider = config.Storage.Provider,
                    ConnectionString = config.Storage.ConnectionString,
                    EncryptionKeyFile = config.Storage.EncryptionKeyFile,
                }),
            },
            loggerFactory,
            timeProvider,
            cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Operator is not null)
        {
            await Operator.DisposeAsync();
        }

        await Registry.DisposeAsync();
    }
}
