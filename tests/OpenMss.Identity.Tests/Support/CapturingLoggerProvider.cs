using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OpenMss.Identity.Tests.Support;

/// <summary>Keeps every log line (message, structured values, exception) so tests can look for leaked secrets.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogLine> _lines = new();

    public IReadOnlyList<LogLine> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public ILoggerFactory CreateFactory() => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(LogLevel.Trace);
        builder.AddProvider(this);
    });

    /// <summary>Everything logged, as one text to search.</summary>
    public string AllText() => string.Join("\n", Lines.Select(l => l.ToString()));

    public void Dispose()
    {
    }

    public sealed record LogLine(string Category, LogLevel Level, string Message, string Values, string? Exception)
    {
        public override string ToString() => $"{Level} {Category}: {Message} | {Values} | {Exception}";
    }

    private sealed class Logger(string category, ConcurrentQueue<LogLine> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}"))
                : string.Empty;
            lines.Enqueue(new LogLine(category, logLevel, formatter(state, exception), values, exception?.ToString()));
        }
    }
}
