using Microsoft.Extensions.Logging;

namespace OpenMss.Web.Logging;

/// <summary>
/// Hands an embedded web host's log categories to the caller's <see cref="ILoggerFactory"/>, so the
/// host puts its own filters (framework categories at Warning) in front of the caller's sinks. The
/// caller owns the factory: disposing this provider leaves it alone.
/// </summary>
public sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
        // The target factory belongs to the caller.
    }

    /// <summary>
    /// Replaces <paramref name="logging"/>'s providers with a bridge to <paramref name="target"/>:
    /// the host's own categories at any level (the caller's filters decide), the framework ones
    /// (<c>Microsoft</c>, <c>System</c> and <paramref name="frameworkCategories"/>) from
    /// <paramref name="frameworkLevel"/> up.
    /// </summary>
    public static void Bridge(ILoggingBuilder logging, ILoggerFactory target, LogLevel frameworkLevel, IEnumerable<string>? frameworkCategories = null)
    {
        ArgumentNullException.ThrowIfNull(logging);
        ArgumentNullException.ThrowIfNull(target);
        logging.ClearProviders();
        logging.AddProvider(new ForwardingLoggerProvider(target));
        logging.SetMinimumLevel(LogLevel.Trace);
        foreach (var category in new[] { "Microsoft", "System" }.Concat(frameworkCategories ?? []))
        {
            logging.AddFilter(category, frameworkLevel);
        }
    }
}
