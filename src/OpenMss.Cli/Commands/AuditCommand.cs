using System.CommandLine;
using OpenMss.Storage;

namespace OpenMss.Cli.Commands;

/// <summary><c>openmss audit --config … [--mailbox] [--actor] [--since] [--until]</c>: queries the audit trail.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var config = Common.ConfigOption();
        var mailbox = new Option<string?>("--mailbox") { Description = "Only events on this mailbox." };
        var actor = new Option<string?>("--actor") { Description = "Only events by this actor (idNat_PS or application)." };
        var since = new Option<DateTimeOffset?>("--since") { Description = "From this time (ISO 8601)." };
        var until = new Option<DateTimeOffset?>("--until") { Description = "Up to this time (ISO 8601)." };
        var limit = new Option<int>("--limit") { Description = "At most this many events.", DefaultValueFactory = _ => 1000 };
        var command = new Command("audit", "Query the audit trail (who did what to which mailbox, when, with which result).")
        {
            config, mailbox, actor, since, until, limit,
        };
        command.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            await using var store = await Common.OpenStoreAsync(parse.GetValue(config)!, cancellationToken);
            var events = await store.QueryAuditAsync(
                new AuditQuery(parse.GetValue(mailbox), parse.GetValue(actor), parse.GetValue(since), parse.GetValue(until), parse.GetValue(limit)),
                cancellationToken);
            foreach (var e in events)
            {
                Console.WriteLine($"{e.At.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}  {Common.Printable(e.Actor),-24} {Common.Printable(e.Action),-16} {Common.Printable(e.Result),-8} {Common.Printable(e.Mailbox)} {Common.Printable(e.ClientAddress)} {Common.Printable(e.Detail)}");
            }

            return 0;
        }));
        return command;
    }
}
