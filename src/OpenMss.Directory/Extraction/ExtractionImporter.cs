using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;

namespace OpenMss.Directory.Extraction;

/// <summary>Where an import is.</summary>
public enum ImportStage
{
    /// <summary>Reading and loading lines.</summary>
    Loading,

    /// <summary>Every line read; indexes being built and the new directory swapped in.</summary>
    Indexing,

    /// <summary>The new directory is in place.</summary>
    Done,
}

/// <summary>Progress of an import, reported every <see cref="ExtractionImporter.ProgressInterval"/> lines and at each stage.</summary>
/// <param name="Stage">Where the import is.</param>
/// <param name="LinesRead">Lines read so far, header included.</param>
/// <param name="Accepted">Entries loaded.</param>
/// <param name="Rejected">Lines rejected.</param>
/// <param name="Anomalies">Anomalies found on kept lines.</param>
public readonly record struct ImportProgress(ImportStage Stage, long LinesRead, long Accepted, long Rejected, long Anomalies);

/// <summary>The outcome of a successful import.</summary>
/// <param name="LinesRead">Lines in the file, header included.</param>
/// <param name="Summary">What changed in the directory.</param>
/// <param name="Rejected">Every rejected line, with its number and reason (not loaded).</param>
/// <param name="Anomalies">Every anomaly of a kept line (loaded as the source gives it).</param>
/// <param name="Elapsed">Time taken.</param>
public sealed record ImportResult(long LinesRead, ReplaceSummary Summary, IReadOnlyList<ImportIssue> Rejected, IReadOnlyList<ImportIssue> Anomalies, TimeSpan Elapsed);

/// <summary>
/// Imports the public extraction file (<see cref="ExtractionFormat"/>) into a directory store: streamed line
/// by line, all or nothing (<see cref="IDirectoryStore.ReplaceExtractionAsync"/>). Malformed lines are
/// rejected and reported with their number; anomalies the authoritative source may contain (identifier keys
/// that fail their check) are reported and the line kept (policy in docs/identifiers.md).
/// </summary>
public static class ExtractionImporter
{
    /// <summary>Lines between two progress reports.</summary>
    public const int ProgressInterval = 10_000;

    /// <summary>Imports a file.</summary>
    /// <exception cref="ExtractionFormatException">The first line is not the extraction header; nothing changed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; nothing changed.</exception>
    public static async Task<ImportResult> ImportFileAsync(IDirectoryStore store, string path, IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        return await ImportAsync(store, stream, progress, cancellationToken);
    }

    /// <summary>Imports the file read from <paramref name="input"/> (UTF-8, with or without BOM).</summary>
    /// <exception cref="ExtractionFormatException">The first line is not the extraction header; nothing changed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; nothing changed.</exception>
    public static async Task<ImportResult> ImportAsync(IDirectoryStore store, Stream input, IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(input);
        var clock = Stopwatch.StartNew();
        using var reader = new StreamReader(input, new UTF8Encoding(false, throwOnInvalidBytes: false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
        var header = await reader.ReadLineAsync(cancellationToken);
        if (header is null || !ExtractionFormat.IsHeader(header))
        {
            throw new ExtractionFormatException(
                $"Line 1 is not the header of an Extraction_Correspondance_MSSante file ({ExtractionFormat.ColumnCount} columns separated by '|', starting with 'Type de BAL').");
        }

        var state = new State();
        var summary = await store.ReplaceExtractionAsync(ReadEntries(reader, state, progress, cancellationToken), cancellationToken);
        progress?.Report(new ImportProgress(ImportStage.Done, state.LinesRead, summary.Loaded, state.Rejected.Count, state.Anomalies.Count));
        return new ImportResult(state.LinesRead, summary, state.Rejected, state.Anomalies, clock.Elapsed);
    }

    private static async IAsyncEnumerable<DirectoryEntry> ReadEntries(StreamReader reader, State state, IProgress<ImportProgress>? progress, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        state.LinesRead = 1;
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        var anomalies = new List<string>();
        var blankLines = new List<long>();
        long accepted = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            var number = ++state.LinesRead;
            if (number % ProgressInterval == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new ImportProgress(ImportStage.Loading, number, accepted, state.Rejected.Count, state.Anomalies.Count));
            }

            if (line.Length == 0)
            {
                // Blank lines at the very end of a file are harmless; anywhere else they are malformed lines.
                blankLines.Add(number);
                continue;
            }

            foreach (var blank in blankLines)
            {
                state.Rejected.Add(new ImportIssue(blank, "empty line"));
            }

            blankLines.Clear();
            anomalies.Clear();
            var entry = ExtractionFormat.Parse(line, out var rejection, anomalies);
            if (entry is null)
            {
                state.Rejected.Add(new ImportIssue(number, rejection!));
                continue;
            }

            if (!seen.TryAdd(entry.Address, number))
            {
                state.Rejected.Add(new ImportIssue(number, $"duplicate address (already on line {seen[entry.Address]})"));
                continue;
            }

            foreach (var anomaly in anomalies)
            {
                state.Anomalies.Add(new ImportIssue(number, anomaly));
            }

            accepted++;
            yield return entry;
        }

        progress?.Report(new ImportProgress(ImportStage.Indexing, state.LinesRead, accepted, state.Rejected.Count, state.Anomalies.Count));
    }

    private sealed class State
    {
        public long LinesRead { get; set; }

        public List<ImportIssue> Rejected { get; } = [];

        public List<ImportIssue> Anomalies { get; } = [];
    }
}

/// <summary>Writes the public extraction file (<see cref="ExtractionFormat"/>) of a directory: every entry not on the liste rouge, by address.</summary>
public static class ExtractionExporter
{
    /// <summary>Writes the file to <paramref name="path"/> (replaced only once complete); returns the number of entries.</summary>
    public static async Task<long> ExportFileAsync(IDirectoryStore store, string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        var temporary = full + ".partial";
        long count;
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                count = await ExportAsync(store, stream, cancellationToken);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            // Never leave half a file behind; the failure itself goes on to the caller.
            File.Delete(temporary);
            throw;
        }

        return count;
    }

    /// <summary>Writes the file to <paramref name="output"/> (UTF-8 without BOM, LF line ends); returns the number of entries.</summary>
    public static async Task<long> ExportAsync(IDirectoryStore store, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(output);
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        await writer.WriteLineAsync(ExtractionFormat.HeaderLine.AsMemory(), cancellationToken);
        long count = 0;
        await foreach (var entry in store.ExportAsync(cancellationToken))
        {
            await writer.WriteLineAsync(ExtractionFormat.ToLine(entry).AsMemory(), cancellationToken);
            count++;
        }

        await writer.FlushAsync(cancellationToken);
        return count;
    }
}
