namespace OpenMss.Trust;

/// <summary>
/// Finds the SMTP relays of the operator hosting a destination domain, most preferred first
/// (RFC 5321 §5.1). An empty list means the domain has no relay (permanent failure); a transient
/// lookup failure throws <see cref="RouteResolutionException"/> so the queue retries later.
/// </summary>
public interface IRouteResolver
{
    ValueTask<IReadOnlyList<RelayEndpoint>> ResolveAsync(string domain, CancellationToken cancellationToken = default);
}

/// <summary>A route lookup failed for a reason that may go away (DNS server failure, timeout): retry later.</summary>
public sealed class RouteResolutionException : Exception
{
    public RouteResolutionException()
    {
    }

    public RouteResolutionException(string message)
        : base(message)
    {
    }

    public RouteResolutionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Asks each resolver in turn and returns the first non-empty answer (e.g. the configured table, then DNS).</summary>
public sealed class CompositeRouteResolver : IRouteResolver
{
    private readonly IRouteResolver[] _resolvers;

    public CompositeRouteResolver(params IRouteResolver[] resolvers)
    {
        ArgumentNullException.ThrowIfNull(resolvers);
        _resolvers = resolvers.ToArray();
    }

    public async ValueTask<IReadOnlyList<RelayEndpoint>> ResolveAsync(string domain, CancellationToken cancellationToken = default)
    {
        foreach (var resolver in _resolvers)
        {
            var endpoints = await resolver.ResolveAsync(domain, cancellationToken).ConfigureAwait(false);
            if (endpoints.Count > 0)
            {
                return endpoints;
            }
        }

        return [];
    }
}
