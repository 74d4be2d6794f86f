using Microsoft.Extensions.Logging;

namespace OpenMss.Directory.Api;

/// <summary>
/// Hands an embedded web host's log categories (the directory's, an operator's web endpoint) to the caller's <see cref="ILoggerFactory"/>, so
/// the host can put its own filters (framework categories at Warning) in front of the caller's sinks.
/// The caller owns the factory: disposing this provider leaves it alone.
/// </summary>
public sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
    }
}
