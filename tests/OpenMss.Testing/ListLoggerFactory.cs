using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OpenMss.Testing;

/// <summary>
/// Collects log lines to check what reaches the logs: each line holds the level, the category,
/// the formatted message, the structured values and the exception, everything a log sink could write.
/// </summary>
public sealed class ListLoggerFactory : ILoggerFactory, ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    /// <summary>Every line, as one text to search.</summary>
    public string AllText() => string.Join("\n", Lines);

    public ILogger CreateLogger(string categoryName) => new ListLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}"))
                : string.Empty;
            owner.Lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception} [{category}] {values}");
        }
    }
}
