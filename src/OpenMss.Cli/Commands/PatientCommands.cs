using System.CommandLine;
using System.Globalization;
using OpenMss.Core.Identifiers;
using OpenMss.Host;
using OpenMss.Host.Configuration;
using OpenMss.PatientSpace.Acceptance;
using OpenMss.PatientSpace.Import;
using OpenMss.PatientSpace.Registry;

namespace OpenMss.Cli.Commands;

/// <summary>
/// <c>openmss patients import|set-state|show</c>: the patient registry of the patient space
/// (docs/patients.md). Takes the patient space's configuration file. Never prints an INS it was given
/// back in an error, and writes none to a log; the audit trail names the patient's mailbox.
/// </summary>
internal static class PatientCommands
{
    public static Command Create()
    {
        var command = new Command("patients", "Manage the patient registry of the patient space (see docs/patients.md).");
        command.Subcommands.Add(Import());
        command.Subcommands.Add(SetState());
        command.Subcommands.Add(Show());
        return command;
    }

    private static Option<FileInfo> ConfigOption() => new("--config", "-c")
    {
        Description = "The patient space's configuration file (JSON, \"service\": \"patient-space\", see docs/configuration.md).",
        Required = true,
    };

    private static Command Import()
    {
        var config = ConfigOption();
        var file = new Argument<FileInfo>("file") { Description = "The CSV file (UTF-8, header line, ';' separator; docs/patients.md)." };
        var command = new Command("import", "Import patients (upsert by INS): the whole file, or nothing when a line is invalid.") { config, file };
        command.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            var settings = PatientSpaceConfig.Load(parse.GetValue(config)!.FullName);
            var path = parse.GetValue(file)!.FullName;
            await using var registry = await PatientSpaceNode.OpenRegistryAsync(settings, cancellationToken: cancellationToken);
            await using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
            // Progress only for long files: a short import says nothing until its result.
            var progress = new SynchronousProgress<PatientImportProgress>(p =>
            {
                if (p.Lines >= PatientImporter.ProgressInterval)
                {
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"openmss: {p.Lines:N0} lines read, {p.Invalid:N0} invalid"));
                }
            });
            var result = await PatientImporter.ImportAsync(
                registry,
                input,
                e => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"line {e.Line}: {e.Reason}")),
                progress,
                cancellationToken);

            await using var store = await Common.OpenStoreAsync(settings, cancellationToken);
            var detail = string.Create(CultureInfo.InvariantCulture,
                $"{result.Lines} lines, {result.InvalidLines} invalid, {result.Applied?.Added ?? 0} added, {result.Applied?.Total ?? 0} in the registry");
            await Common.AuditAsync(store, null, "patients.import", result.Succeeded ? "ok" : "refused", detail, cancellationToken);
            if (!result.Succeeded)
            {
                return Common.Fail(string.Create(CultureInfo.InvariantCulture, $"{result.InvalidLines:N0} invalid line(s) in {Path.GetFileName(path)}: nothing imported."));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Applied!.Rows:N0} patients imported: {result.Applied.Added:N0} new, {result.Applied.Total:N0} in the registry"));
            return 0;
        }));
        return command;
    }

    private static Command SetState()
    {
        var config = ConfigOption();
        var ins = new Argument<string>("ins") { Description = "The patient's INS matricule (15 characters)." };
        var state = new Argument<string>("state") { Description = "activated, not-activated, opposed or closed." };
        var command = new Command("set-state", "Set a patient's account state (an administrator's action, audited).") { config, ins, state };
        command.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            if (!TryIns(parse.GetValue(ins), out var matricule, out var error))
            {
                return Common.Fail(error);
            }

            if (!PatientAccountStates.TryParse(parse.GetValue(state), out var target))
            {
                return Common.Fail("state: expected activated, not-activated, opposed or closed.");
            }

            var settings = PatientSpaceConfig.Load(parse.GetValue(config)!.FullName);
            await using var registry = await PatientSpaceNode.OpenRegistryAsync(settings, cancellationToken: cancellationToken);
            var change = await registry.SetStateAsync(matricule, target, cancellationToken);
            if (change is null)
            {
                return Common.Fail("no patient with this INS in the registry.");
            }

            await using var store = await Common.OpenStoreAsync(settings, cancellationToken);
            await Common.AuditAsync(store, PatientRecipientPolicy.MailboxAddressOf(matricule, settings.PatientDomain), "patient.state",
                change.Changed ? "ok" : "unchanged", $"{change.Previous.ToText()} -> {change.Current.ToText()}", cancellationToken);
            Console.WriteLine(change.Changed ? $"state: {change.Current.ToText()} (was {change.Previous.ToText()})" : $"state: {change.Current.ToText()} (unchanged)");
            return 0;
        }));
        return command;
    }

    private static Command Show()
    {
        var config = ConfigOption();
        var ins = new Argument<string>("ins") { Description = "The patient's INS matricule (15 characters)." };
        var command = new Command("show", "Show a patient of the registry (an access to personal data, audited).") { config, ins };
        command.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            if (!TryIns(parse.GetValue(ins), out var matricule, out var error))
            {
                return Common.Fail(error);
            }

            var settings = PatientSpaceConfig.Load(parse.GetValue(config)!.FullName);
            await using var registry = await PatientSpaceNode.OpenRegistryAsync(settings, cancellationToken: cancellationToken);
            var patient = await registry.FindAsync(matricule, cancellationToken);
            await using var store = await Common.OpenStoreAsync(settings, cancellationToken);
            await Common.AuditAsync(store, PatientRecipientPolicy.MailboxAddressOf(matricule, settings.PatientDomain), "patient.show",
                patient is null ? "not_found" : "ok", null, cancellationToken);
            if (patient is null)
            {
                return Common.Fail("no patient with this INS in the registry.");
            }

            var identity = patient.Identity;
            Console.WriteLine($"state: {patient.State.ToText()}");
            Console.WriteLine($"stateChangedAt: {patient.StateChangedAt.ToString("O", CultureInfo.InvariantCulture)}");
            Console.WriteLine($"givenNames: {Common.Printable(identity.GivenNames)}");
            Console.WriteLine($"familyName: {Common.Printable(identity.FamilyName)}");
            Console.WriteLine($"birthDate: {identity.BirthDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}");
            Console.WriteLine($"insurerEmail: {Common.Printable(identity.InsurerEmail)}");
            Console.WriteLine($"cardSerial: {Common.Printable(identity.CardSerial)}");
            Console.WriteLine($"personalEmail: {Common.Printable(patient.PersonalEmail)}");
            return 0;
        }));
        return command;
    }

    private static bool TryIns(string? text, out InsMatricule ins, out string error)
    {
        if (InsMatricule.TryParse(text, out ins, out var problem))
        {
            error = string.Empty;
            return true;
        }

        // The value itself is never repeated: it may be a patient's real INS.
        error = problem.Code == IdentifierErrorCode.InvalidKey
            ? "ins: the INS key is wrong."
            : "ins: not an INS matricule (15 characters: the NIR and its 2-digit key).";
        return false;
    }

    /// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; posts to the thread pool, out of order).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
