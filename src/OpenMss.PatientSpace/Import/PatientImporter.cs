using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using OpenMss.PatientSpace.Registry;

namespace OpenMss.PatientSpace.Import;

/// <summary>An invalid line of an import file: its line number and why (never the value itself).</summary>
public sealed record PatientLineError(long Line, string Reason);

/// <summary>How far an import has gone (reported every <see cref="PatientImporter.ProgressInterval"/> lines).</summary>
public sealed record PatientImportProgress(long Lines, long Invalid);

/// <summary>The outcome of an import: applied (no invalid line), or nothing applied and why.</summary>
/// <param name="Applied">What the registry did; null when nothing was applied.</param>
/// <param name="Lines">Data lines read (the header not counted).</param>
/// <param name="InvalidLines">How many lines were invalid (every one was passed to the error callback).</param>
/// <param name="FirstErrors">The first <see cref="PatientImporter.KeptErrors"/> invalid lines.</param>
public sealed record PatientImportResult(PatientImportSummary? Applied, long Lines, long InvalidLines, IReadOnlyList<PatientLineError> FirstErrors)
{
    public bool Succeeded => Applied is not null;
}

/// <summary>
/// Imports a patient CSV file (<see cref="PatientCsvFormat"/>) into the registry: streamed (memory does
/// not grow with the file), every invalid line reported with its number, and all or nothing: the
/// rows go into one registry import that is committed only when the whole file was valid.
/// </summary>
public static class PatientImporter
{
    /// <summary>Lines between two progress reports.</summary>
    public const int ProgressInterval = 50_000;

    /// <summary>Invalid lines kept in <see cref="PatientImportResult.FirstErrors"/> (all are passed to the callback).</summary>
    public const int KeptErrors = 1_000;

    /// <summary>Imports <paramref name="csv"/> (UTF-8, a byte-order mark allowed).</summary>
    /// <param name="onError">Called for every invalid line, in order (the CLI writes them to standard error).</param>
    public static async Task<PatientImportResult> ImportAsync(
        IPatientRegistry registry,
        Stream csv,
        Action<PatientLineError>? onError = null,
        IProgress<PatientImportProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(csv);
        var errors = new List<PatientLineError>();
        long invalid = 0;
        long lines = 0;
        long badDataLine = -1;

        void Report(long line, string reason)
        {
            invalid++;
            var error = new PatientLineError(line, reason);
            if (errors.Count < KeptErrors)
            {
                errors.Add(error);
            }

            onError?.Invoke(error);
        }

        using var reader = new StreamReader(csv, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Delimiter = PatientCsvFormat.Separator,
            DetectDelimiter = false,
            Mode = CsvMode.RFC4180,
            IgnoreBlankLines = true,
            // A stray quote inside an unquoted field: the line is reported, not guessed at.
            BadDataFound = args => badDataLine = args.Context.Parser?.RawRow ?? -1,
        };

        var import = await registry.BeginImportAsync(cancellationToken).ConfigureAwait(false);
        await using (import.ConfigureAwait(false))
        {
            using var parser = new CsvParser(reader, configuration);
            var header = true;
            try
            {
                while (await parser.ReadAsync().ConfigureAwait(false))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var line = parser.RawRow;
                    var fields = parser.Record ?? [];
                    if (header)
                    {
                        header = false;
                        if (!PatientCsvFormat.IsHeader(fields))
                        {
                            Report(line, "the first line must be the header " + PatientCsvFormat.HeaderLine);
                        }

                        continue;
                    }

                    lines++;
                    if (badDataLine == line)
                    {
                        Report(line, "a quote inside an unquoted field (RFC 4180: quote the whole field and double the quote)");
                    }
                    else if (PatientCsvFormat.TryRead(fields, out var row) is { } reason)
                    {
                        Report(line, reason);
                    }
                    else if (invalid == 0)
                    {
                        // Once a line is invalid nothing will be applied: the rest is only checked.
                        await import.WriteAsync(row!, cancellationToken).ConfigureAwait(false);
                    }

                    if (lines % ProgressInterval == 0)
                    {
                        progress?.Report(new PatientImportProgress(lines, invalid));
                    }
                }
            }
            catch (DecoderFallbackException)
            {
                Report(parser.RawRow + 1, "not UTF-8");
            }

            if (header)
            {
                Report(1, "the file is empty: the first line must be the header " + PatientCsvFormat.HeaderLine);
            }

            progress?.Report(new PatientImportProgress(lines, invalid));
            if (invalid > 0)
            {
                return new PatientImportResult(null, lines, invalid, errors);
            }

            var summary = await import.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new PatientImportResult(summary, lines, 0, errors);
        }
    }
}
