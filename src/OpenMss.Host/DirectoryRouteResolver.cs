using Microsoft.Extensions.Logging;
using OpenMss.Directory.Client;
using OpenMss.Trust;

namespace OpenMss.Host;

/// <summary>
/// Routes by the directory's routing table (<c>GET /api/routing</c>): fetched at start, again
/// every refresh period, and at once when asked for a domain it does not know (at most every
/// few seconds). The last good table is kept when the directory is unreachable.
/// </summary>
public sealed class DirectoryRouteResolver(DirectoryClient client, TimeSpan refresh, ILogger logger, TimeProvider? timeProvider = null) : IRouteResolver
{
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(2);
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile StaticRouteTable _table = new();
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;

    public async ValueTask<IReadOnlyList<RelayEndpoint>> ResolveAsync(string domain, CancellationToken cancellationToken = default)
    {
        var age = _time.GetUtcNow() - _fetchedAt;
        var routes = await _table.ResolveAsync(domain, cancellationToken).ConfigureAwait(false);
        if (age > refresh || (routes.Count == 0 && age > MinimumInterval))
        {
            await RefreshAsync(cancellationToken).ConfigureAwait(false);
            routes = await _table.ResolveAsync(domain, cancellationToken).ConfigureAwait(false);
        }

        return routes;
    }

    /// <summary>Fetches the routing table now. False when the directory could not be reached.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var routing = await client.GetRoutingAsync(cancellationToken).ConfigureAwait(false);
            _table = new StaticRouteTable(routing);
            _fetchedAt = _time.GetUtcNow();
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or DirectoryRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Kept: the last good table. A transient failure must not stop delivery.
            logger.LogWarning("Could not fetch the routing table from the directory: {Reason}", e.Message);
            _fetchedAt = _time.GetUtcNow();
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }
}
