using Microsoft.Extensions.Logging;

namespace OpenMss.Identity.Logging;

/// <summary>
/// Sends the provider's internal logs (ASP.NET Core, OpenIddict, EF Core) to the caller's
/// <see cref="ILoggerFactory"/>, after the provider's own filters, without taking ownership of it.
/// </summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
        // The target factory belongs to the caller.
    }

    /// <summary>
    /// Framework categories kept at Warning: at Information, OpenIddict logs whole requests (custom
    /// fields unredacted), ASP.NET Core logs URLs, and EF Core logs SQL.
    /// </summary>
    public static void AddFilters(ILoggingBuilder logging, LogLevel frameworkLevel)
    {
        // Never below Information: at Debug OpenIddict logs every token it creates, in full.
        frameworkLevel = frameworkLevel < LogLevel.Information ? LogLevel.Information : frameworkLevel;
        logging.SetMinimumLevel(LogLevel.Trace);
        logging.AddFilter("OpenIddict", frameworkLevel);
        logging.AddFilter("Microsoft", frameworkLevel);
        logging.AddFilter("System", frameworkLevel);
    }
}
