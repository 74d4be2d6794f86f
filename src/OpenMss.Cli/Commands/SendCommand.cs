using System.CommandLine;
using OpenMss.Host.Configuration;
using OpenMss.Queue.Submission;
using OpenMss.Storage;

namespace OpenMss.Cli.Commands;

/// <summary>
/// <c>openmss send --config … --from … --to … --file message.eml</c>: hands a message to an
/// operator: local recipients get it in their INBOX at once, others through the delivery queue
/// (delivered by the running node, which polls the shared store).
/// </summary>
internal static class SendCommand
{
    public static Command Create()
    {
        var config = Common.ConfigOption();
        var from = new Option<string>("--from") { Description = "Envelope sender (a mailbox of this operator).", Required = true };
        var to = new Option<string[]>("--to")
        {
            Description = "A recipient (repeat for several).",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var file = new Option<FileInfo>("--file") { Description = "The RFC 5322 message to send (.eml).", Required = true };
        var command = new Command("send", "Send a message file from a mailbox of this operator.") { config, from, to, file };
        command.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            var settings = OperatorConfig.Load(parse.GetValue(config)!.FullName);
            var sender = parse.GetValue(from)!.Trim();
            if (!OpenMss.Core.Addressing.MssAddress.TryParse(sender, out var senderAddress, out var error))
            {
                return Common.Fail($"--from {sender}: {error.EnglishReason}");
            }

            if (!settings.Domains.Contains(senderAddress.Domain, StringComparer.OrdinalIgnoreCase))
            {
                return Common.Fail($"--from {sender}: not a domain of this operator ({string.Join(", ", settings.Domains)}).");
            }

            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                return Common.Fail($"--file {path.FullName}: no such file.");
            }

            var raw = await File.ReadAllBytesAsync(path.FullName, cancellationToken);
            await using var store = await Common.OpenStoreAsync(parse.GetValue(config)!, cancellationToken);
            if (await store.FindMailboxAsync(senderAddress.Value, cancellationToken) is null)
            {
                return Common.Fail($"--from {sender}: no such mailbox on this operator.");
            }

            var submitter = new MessageSubmitter(store, store, store, settings.Domains, wake: null);
            var recipients = parse.GetValue(to)!.Select(r => new OutboundRecipient(r.Trim())).ToList();
            var result = await submitter.SubmitAsync(senderAddress.Value, recipients, raw, cancellationToken: cancellationToken);
            await Common.AuditAsync(store, senderAddress.Value, "send", result.AllAccepted ? "ok" : "partial",
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"cli, {recipients.Count} recipient(s)"), cancellationToken);
            foreach (var line in result.Describe())
            {
                Console.WriteLine(line);
            }

            return result.AllAccepted ? 0 : 2;
        }));
        return command;
    }
}
