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
        command.Subcommands.Add(Members());
        return command;
    }

    /// <summary><c>mailbox members add|remove|list</c>: who shares an organisational mailbox (by idNat_PS).</summary>
    private static Command Members()
    {
        var command = new Command("members", "Manage the professionals who share an ORG (or CAB) mailbox.");

        var config = Common.ConfigOption();
        var address = new Argument<string>("mailbox") { Description = "The shared mailbox." };
        var member = new Option<string>("--member") { Description = "The professional: RPPS (11 digits) or idNat_PS.", Required = true };
        var name = new Option<string?>("--name") { Description = "Display name." };
        var role = new Option<string>("--role") { Description = "pharmacist, technician or other.", DefaultValueFactory = _ => "pharmacist" };
        var add = new Command("add", "Give a professional access to the mailbox.") { config, address, member, name, role };
        add.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            if (!TryMemberId(parse.GetValue(member)!, out var id, out var error))
            {
                return Common.Fail(error);
            }

            MemberRole? parsedRole = parse.GetValue(role) switch
            {
                "pharmacist" => MemberRole.Pharmacist,
                "technician" => MemberRole.Technician,
                "other" => MemberRole.Other,
                _ => null,
            };
            if (parsedRole is null)
            {
                return Common.Fail("--role: expected pharmacist, technician or other.");
            }

            await using var store = await Common.OpenStoreAsync(parse.GetValue(config)!, cancellationToken);
            var target = await store.FindMailboxAsync(parse.GetValue(address)!, cancellationToken);
            if (target is null || target.Kind is not (MailboxKind.Organisational or MailboxKind.Practice))
            {
                return Common.Fail($"{parse.GetValue(address)}: no ORG or CAB mailbox with this address.");
            }

            var added = await store.AddMemberAsync(target.Address, new NewMember(id, parse.GetValue(name), parsedRole.Value), new MembershipAudit("cli:" + Environment.UserName), cancellationToken);
            Console.WriteLine(added ? $"{id} can now use {target.Address}" : $"{id} already uses {target.Address}");
            return 0;
        }));

        var removeConfig = Common.ConfigOption();
        var removeAddress = new Argument<string>("mailbox") { Description = "The shared mailbox." };
        var removeMember = new Option<string>("--member") { Description = "The professional: RPPS or idNat_PS.", Required = true };
        var remove = new Command("remove", "Withdraw a professional's access (effective at their next command).") { removeConfig, removeAddress, removeMember };
        remove.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            if (!TryMemberId(parse.GetValue(removeMember)!, out var id, out var error))
            {
                return Common.Fail(error);
            }

            await using var store = await Common.OpenStoreAsync(parse.GetValue(removeConfig)!, cancellationToken);
            if (!await store.RemoveMemberAsync(parse.GetValue(removeAddress)!, id, new MembershipAudit("cli:" + Environment.UserName), cancellationToken))
            {
                return Common.Fail($"{id} is not a member of {parse.GetValue(removeAddress)}.");
            }

            Console.WriteLine($"{id} can no longer use {parse.GetValue(removeAddress)}");
            return 0;
        }));

        var listConfig = Common.ConfigOption();
        var listAddress = new Argument<string>("mailbox") { Description = "The shared mailbox." };
        var list = new Command("list", "List who shares the mailbox.") { listConfig, listAddress };
        list.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            await using var store = await Common.OpenStoreAsync(parse.GetValue(listConfig)!, cancellationToken);
            foreach (var m in await store.ListMembersAsync(parse.GetValue(listAddress)!, cancellationToken))
            {
                Console.WriteLine($"{m.MemberId,-14} {m.Role.ToString().ToLowerInvariant(),-11} {m.DisplayName}");
            }

            return 0;
        }));

        command.Subcommands.Add(add);
        command.Subcommands.Add(remove);
        command.Subcommands.Add(list);
        return command;
    }

    private static bool TryMemberId(string input, out string idNatPs, out string error, string option = "--member")
    {
        idNatPs = "";
        error = "";
        if (OpenMss.Core.Identifiers.Rpps.TryParse(input, out var rpps, out _))
        {
            idNatPs = OpenMss.Core.Identifiers.IdNatPs.FromRpps(rpps).Value;
            return true;
        }

        if (OpenMss.Core.Identifiers.IdNatPs.TryParse(input, out var id, out var idError))
        {
            idNatPs = id.Value;
            return true;
        }

        error = $"{option} {input}: {idError.EnglishReason}";
        return false;
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

            // A PER mailbox belongs to a professional by idNat_PS, the subject of their tokens and
            // accounts: given an RPPS, the owner is 8 + RPPS, and the directory gets the RPPS.
            var ownerId = parse.GetValue(owner);
            string? rpps = null;
            if (mailboxKind == MailboxKind.Personal && ownerId is not null)
            {
                if (!TryMemberId(ownerId, out var idNatPs, out var ownerError, "--owner"))
                {
                    return Common.Fail(ownerError);
                }

                ownerId = idNatPs;
                rpps = OpenMss.Core.Identifiers.IdNatPs.TryParse(idNatPs, out var id, out _) ? id.RppsNumber?.Value : null;
            }

            await using var store = await Common.OpenStoreAsync(parse.GetValue(config)!, cancellationToken);
            try
            {
                var created = await store.CreateMailboxAsync(new NewMailbox(parsed.Value, mailboxKind, parse.GetValue(name), ownerId), cancellationToken);
                await Common.AuditAsync(store, created.Address, "mailbox.create", "ok", MailboxKinds.ToCode(created.Kind), cancellationToken);
                Console.WriteLine($"Created {MailboxKinds.ToCode(created.Kind)} mailbox {created.Address}");
                return await PublishAsync(settings, d => d.PublishMailboxAsync(created.Address, new MailboxPublication
                {
                    Kind = MailboxKinds.ToCode(created.Kind),
                    Rpps = rpps,
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

            await Common.AuditAsync(store, input.Trim().ToLowerInvariant(), "mailbox.delete", "ok", null, cancellationToken);

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
