using Microsoft.Extensions.Logging;

namespace OpenMss.Host;

/// <summary>
/// Hands an embedded web host's log categories to the caller's <see cref="ILoggerFactory"/>, so the
/// host can put its own filters (framework categories at Warning) in front of the caller's sinks.
/// The caller owns the factory: disposing this provider leaves it alone.
/// </summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
    }
}
