using System.CommandLine;
using OpenMss.Core;
using OpenMss.Core.Addressing;
using OpenMss.Host.Configuration;
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
                return 0;
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
            return 0;
        }));
        return command;
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
