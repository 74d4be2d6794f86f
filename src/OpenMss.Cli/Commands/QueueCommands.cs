using System.CommandLine;

namespace OpenMss.Cli.Commands;

/// <summary><c>openmss queue list|retry|drop</c>: inspects and acts on the delivery queue.</summary>
internal static class QueueCommands
{
    public static Command Create()
    {
        var command = new Command("queue", "Inspect and act on the delivery queue.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Act("retry", "Make an entry due now (the running node tries it within a second).", (s, id, ct) => s.RetryNowAsync(id, ct), "will be retried now"));
        command.Subcommands.Add(Act("drop", "Remove an entry without delivering it (no notification is sent).", (s, id, ct) => s.DropAsync(id, ct), "dropped"));
        return command;
    }

    private static Command List()
    {
        var config = Common.ConfigOption();
        var command = new Command("list", "List queued messages, one line per destination, with their recipients.") { config };
        command.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            await using var store = await Common.OpenStoreAsync(parse.GetValue(config)!, cancellationToken);
            var entries = await store.ListQueueAsync(cancellationToken);
            if (entries.Count == 0)
            {
                Console.WriteLine("The queue is empty.");
                return 0;
            }

            Console.WriteLine($"{"ID",-8} {"DOMAIN",-28} {"SIZE",8} {"ATTEMPTS",8} {"QUEUED (UTC)",-20} {"NEXT TRY (UTC)",-20} LAST ERROR");
            foreach (var e in entries)
            {
                Console.WriteLine($"{e.Id,-8} {e.Domain,-28} {e.Size,8} {e.Attempts,8} {e.QueuedAt.UtcDateTime,-20:yyyy-MM-dd HH:mm:ss} {e.NextAttemptAt.UtcDateTime,-20:yyyy-MM-dd HH:mm:ss} {Common.Printable(e.LastError)}");
                foreach (var r in e.Recipients)
                {
                    Console.WriteLine($"{"",8}   {r.State.ToString().ToLowerInvariant(),-9} {Common.Printable(r.Address)} {Common.Printable(r.Status)} {Common.Printable(r.Diagnostic)}");
                }
            }

            return 0;
        }));
        return command;
    }

    private static Command Act(string name, string description, Func<OpenMss.Storage.IQueueStore, long, CancellationToken, Task<bool>> action, string done)
    {
        var config = Common.ConfigOption();
        var id = new Argument<long>("id") { Description = "The queue entry id (see 'queue list')." };
        var command = new Command(name, description) { config, id };
        command.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            await using var store = await Common.OpenStoreAsync(parse.GetValue(config)!, cancellationToken);
            var entry = parse.GetValue(id);
            if (!await action(store, entry, cancellationToken))
            {
                return Common.Fail($"no queue entry {entry}.");
            }

            await Common.AuditAsync(store, null, "queue." + name, "ok", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"entry {entry}"), cancellationToken);

            Console.WriteLine($"Entry {entry} {done}.");
            return 0;
        }));
        return command;
    }
}
