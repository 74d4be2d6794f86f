using Microsoft.Extensions.Hosting;

namespace OpenMss.Host;

/// <summary>
/// The lifetime of a web host embedded in a larger process (several per demo): it does not
/// listen to Ctrl-C or SIGTERM itself — the CLI does, and stops every part in order — and it
/// prints no "Application started" banner.
/// </summary>
public sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
