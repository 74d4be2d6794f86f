using System.CommandLine;
using System.Data.Common;
using System.Globalization;
using OpenMss.Directory;
using OpenMss.Directory.Extraction;

namespace OpenMss.Cli.Commands;

/// <summary>
/// <c>openmss directory import|export</c>: loads the public extraction file (<c>Extraction_Correspondance_MSSante</c>)
/// into the national directory, all or nothing, or writes it from the directory.
/// </summary>
internal static class DirectoryCommands
{
    /// <summary>A progress line every this many lines read.</summary>
    private const int ProgressLineEvery = 50_000;

    /// <summary>How many rejected lines and anomalies the summary lists (all are counted).</summary>
    private const int ListedIssues = 20;

    private static readonly CultureInfo Numbers = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var command = new Command("directory", "Import or export the national directory's public extraction file (Extraction_Correspondance_MSSante).");
        command.Subcommands.Add(Import());
        command.Subcommands.Add(Export());
        return command;
    }

    private static Option<string> DatabaseOption() => new("--db")
    {
        Description = "The directory database: a SQLite file path (created if missing) or an Npgsql connection string (Host=…;Database=…).",
        Required = true,
    };

    private static Option<string?> ProviderOption() => new("--provider")
    {
        Description = "sqlite or postgres; by default postgres when --db is a connection string with Host=, else sqlite.",
    };

    private static Command Import()
    {
        var file = new Argument<FileInfo>("file") { Description = "The extraction file (UTF-8, '|'-separated, 31 columns, one header line)." };
        var database = DatabaseOption();
        var provider = ProviderOption();
        var verbose = Common.VerboseOption();
        var command = new Command(
            "import",
            "Replace the directory's extraction entries by the file's, all or nothing: a failure or Ctrl-C leaves the previous directory intact. " +
            "Malformed lines are rejected and listed with their number; anomalies (identifier keys) are listed and the lines kept. Published entries are kept.")
        {
            file, database, provider, verbose,
        };
        command.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            var input = parse.GetValue(file)!;
            if (!input.Exists)
            {
                return Common.Fail($"{input.FullName}: no such file.");
            }

            using var loggers = Common.CreateLoggerFactory(parse.GetValue(verbose), Microsoft.Extensions.Logging.LogLevel.Warning);
            try
            {
                await using var store = await DirectoryStoreFactory.OpenAsync(StoreOptions(parse.GetValue(database)!, parse.GetValue(provider)), loggers, cancellationToken: cancellationToken);
                Console.WriteLine($"Importing {input.FullName} ({input.Length / 1048576.0:F1} MiB)…");
                var result = await ExtractionImporter.ImportFileAsync(store, input.FullName, new ConsoleProgress(), cancellationToken);
                PrintSummary(result);
                return 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Common.Fail("import cancelled; the directory is unchanged.");
            }
            catch (DbException e)
            {
                return Common.Fail($"import failed, the directory is unchanged: {e.Message}");
            }
        }));
        return command;
    }

    private static Command Export()
    {
        var file = new Argument<FileInfo>("file") { Description = "The file to write (replaced once complete)." };
        var database = DatabaseOption();
        var provider = ProviderOption();
        var verbose = Common.VerboseOption();
        var command = new Command("export", "Write the public extraction file of the directory (every entry not on the liste rouge, by address).")
        {
            file, database, provider, verbose,
        };
        command.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            var output = parse.GetValue(file)!;
            using var loggers = Common.CreateLoggerFactory(parse.GetValue(verbose), Microsoft.Extensions.Logging.LogLevel.Warning);
            try
            {
                await using var store = await DirectoryStoreFactory.OpenAsync(StoreOptions(parse.GetValue(database)!, parse.GetValue(provider)), loggers, cancellationToken: cancellationToken);
                var started = System.Diagnostics.Stopwatch.StartNew();
                var count = await ExtractionExporter.ExportFileAsync(store, output.FullName, cancellationToken);
                Console.WriteLine(string.Create(Numbers, $"Exported {count:N0} entries to {output.FullName} in {started.Elapsed.TotalSeconds:F1} s."));
                return 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Common.Fail("export cancelled; no file written.");
            }
            catch (DbException e)
            {
                return Common.Fail($"export failed: {e.Message}");
            }
        }));
        return command;
    }

    private static DirectoryStoreOptions StoreOptions(string database, string? provider) => new()
    {
        Provider = provider ?? (database.Contains("host=", StringComparison.OrdinalIgnoreCase) ? DirectoryStoreOptions.Postgres : DirectoryStoreOptions.Sqlite),
        ConnectionString = database,
    };

    private static void PrintSummary(ImportResult result)
    {
        var s = result.Summary;
        Console.WriteLine(string.Create(Numbers,
            $"Imported {s.Loaded:N0} entries from {result.LinesRead - 1:N0} lines in {result.Elapsed.TotalSeconds:F1} s: " +
            $"{s.Added:N0} added, {s.Updated:N0} updated, {s.Removed:N0} removed, {s.Unchanged:N0} unchanged."));
        if (s.SupersededByPublication > 0)
        {
            Console.WriteLine(string.Create(Numbers, $"{s.SupersededByPublication:N0} lines ignored: their operators published those addresses."));
        }

        PrintIssues("rejected line(s) (not loaded)", result.Rejected);
        PrintIssues("anomaly(ies) (lines kept as the source gives them)", result.Anomalies);
    }

    private static void PrintIssues(string what, IReadOnlyList<ImportIssue> issues)
    {
        if (issues.Count == 0)
        {
            return;
        }

        Console.WriteLine(string.Create(Numbers, $"{issues.Count:N0} {what}{(issues.Count > ListedIssues ? $", the first {ListedIssues}" : string.Empty)}:"));
        foreach (var issue in issues.Take(ListedIssues))
        {
            Console.WriteLine("  " + issue);
        }
    }

    /// <summary>Writes a line every <see cref="ProgressLineEvery"/> lines, then one when the lines are all read (synchronously, in order).</summary>
    private sealed class ConsoleProgress : IProgress<ImportProgress>
    {
        private long lastLine;

        public void Report(ImportProgress value)
        {
            switch (value.Stage)
            {
                case ImportStage.Loading when value.LinesRead / ProgressLineEvery > lastLine / ProgressLineEvery:
                    lastLine = value.LinesRead;
                    Console.WriteLine(string.Create(Numbers, $"  {value.LinesRead,10:N0} lines read: {value.Accepted:N0} loaded, {value.Rejected:N0} rejected, {value.Anomalies:N0} anomalies"));
                    break;
                case ImportStage.Indexing:
                    Console.WriteLine(string.Create(Numbers, $"  {value.LinesRead,10:N0} lines read; building the indexes and switching to the new directory…"));
                    break;
            }
        }
    }
}
