using System.CommandLine;
using OpenMss.Core;
using OpenMss.Core.Addressing;
using System.Security.Cryptography.X509Certificates;
using OpenMss.Directory.Client;
using OpenMss.Host;
using OpenMss.Host.Configuration;
using OpenMss.Trust;
using OpenMss.Storage;

namespace OpenMss.Cli.Commands;

/// <summary><c>openmss mailbox create|delete|list</c>: manages the operator's mailboxes.</summary>
internal static class MailboxCommands
{
    public static Command Create()
    {
        var command = new Command("mailbox", "Manage the operator's mailboxes.");
        command.Subcommands.Add(CreateMailbox());
        command.Subcommands.Add(Delete());
        command.Subcommands.Add(List());
        return command;
    }

    private static Command CreateMailbox()
    {
        var config = Common.ConfigOption();
        var address = new Argument<string>("address") { Description = "The mailbox address, under one of the operator's domains." };
        var kind = new Option<string>("--kind") { Description = "PER, ORG, APP or CAB.", DefaultValueFactory = _ => "PER" };
        var name = new Option<string?>("--name") { Description = "Display name." };
        var owner = new Option<string?>("--owner") { Description = "Owner identifier (RPPS for PER, FINESS/SIRET for ORG)." };
        var command = new Command("create", "Create a mailbox with its standard folders.") { config, address, kind, name, owner };
        command.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            var settings = OperatorConfig.Load(parse.GetValue(config)!.FullName);
            var input = parse.GetValue(address)!;
            if (!MssAddress.TryParse(input, out var parsed, out var error))
            {
                return Common.Fail($"{input}: {error.EnglishReason}");
            }

            if (!settings.Domains.Contains(parsed.Domain, StringComparer.OrdinalIgnoreCase))
            {
                return Common.Fail($"{input}: not a domain of this operator ({string.Join(", ", settings.Domains)}).");
            }

            if (!MailboxKinds.TryParseCode(parse.GetValue(kind), out var mailboxKind))
            {
                return Common.Fail($"--kind {parse.GetValue(kind)}: expected PER, ORG, APP or CAB.");
            }

            await using var store = await Common.OpenStoreAsync(parse.GetValue(config)!, cancellationToken);
            try
            {
                var created = await store.CreateMailboxAsync(new NewMailbox(parsed.Value, mailboxKind, parse.GetValue(name), parse.GetValue(owner)), cancellationToken);
                Console.WriteLine($"Created {MailboxKinds.ToCode(created.Kind)} mailbox {created.Address}");
                return await PublishAsync(settings, d => d.PublishMailboxAsync(created.Address, new MailboxPublication
                {
                    Kind = MailboxKinds.ToCode(created.Kind),
                    Rpps = created.Kind == MailboxKind.Personal ? created.OwnerId : null,
                    Description = created.DisplayName,
                }, cancellationToken), "published in the directory");
            }
            catch (MailboxExistsException)
            {
                return Common.Fail($"{parsed.Value} already exists.");
            }
        }));
        return command;
    }

    private static Command Delete()
    {
        var config = Common.ConfigOption();
        var address = new Argument<string>("address") { Description = "The mailbox address." };
        var command = new Command("delete", "Delete a mailbox and everything in it.") { config, address };
        command.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            await using var store = await Common.OpenStoreAsync(parse.GetValue(config)!, cancellationToken);
            var input = parse.GetValue(address)!;
            if (!await store.DeleteMailboxAsync(input, cancellationToken))
            {
                return Common.Fail($"no mailbox {input}.");
            }

            Console.WriteLine($"Deleted {input}");
            var settings = OperatorConfig.Load(parse.GetValue(config)!.FullName);
            return await PublishAsync(settings, d => d.DeleteMailboxAsync(input, cancellationToken), "removed from the directory");
        }));
        return command;
    }

    /// <summary>
    /// Tells the national directory about a change, when the configuration names one. A failure
    /// leaves the local change in place and says so (exit code 3), so the administrator can retry.
    /// </summary>
    private static async Task<int> PublishAsync(OperatorConfig settings, Func<DirectoryClient, Task> publish, string done)
    {
        if (string.IsNullOrWhiteSpace(settings.Directory?.Url) || !settings.Directory.Publish)
        {
            return 0;
        }

        using var anchor = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(settings.Tls.TrustAnchor!));
        using var certificate = IssuedCertificate.LoadWithKey(settings.Tls.Certificate!, settings.Tls.Key!);
        using var directory = OperatorNode.CreateDirectoryClient(settings, anchor, certificate);
        try
        {
            await publish(directory);
            Console.WriteLine($"  {done} ({settings.Directory.Url})");
            return 0;
        }
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine($"openmss: done locally, but the directory refused or could not be reached: {e.Message}");
            return 3;
        }
    }

    private static Command List()
    {
        var config = Common.ConfigOption();
        var command = new Command("list", "List the operator's mailboxes.") { config };
        command.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            await using var store = await Common.OpenStoreAsync(parse.GetValue(config)!, cancellationToken);
            foreach (var m in await store.ListMailboxesAsync(cancellationToken))
            {
                Console.WriteLine($"{MailboxKinds.ToCode(m.Kind)}  {m.Address,-48} {m.DisplayName}");
            }

            return 0;
        }));
        return command;
    }
}
