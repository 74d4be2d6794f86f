using System.Collections.Concurrent;

namespace OpenMss.Trust;

/// <summary>
/// Routes from configuration: destination domain → relay (issue 2 point 5; the demo uses it instead
/// of DNS). Domains compare case-insensitively and IDN in either form. Thread-safe.
/// </summary>
public sealed class StaticRouteTable : IRouteResolver
{
    private readonly ConcurrentDictionary<string, RelayEndpoint[]> _routes = new(StringComparer.Ordinal);

    public StaticRouteTable()
    {
    }

    /// <summary>Builds the table from configuration: domain → <c>"host:port"</c> (port 25 when omitted).</summary>
    /// <exception cref="FormatException">A domain or an address is invalid.</exception>
    public StaticRouteTable(IEnumerable<KeyValuePair<string, string>> routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        foreach (var (domain, address) in routes)
        {
            if (!DomainNames.TryToAscii(domain, out _))
            {
                throw new FormatException($"'{domain}' is not a domain name.");
            }

            Set(domain, RelayEndpoint.Parse(address));
        }
    }

    /// <summary>The routes, keyed by lower-case A-label domain.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<RelayEndpoint>> Routes =>
        _routes.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<RelayEndpoint>)pair.Value, StringComparer.Ordinal);

    /// <summary>Adds or replaces the route of a domain.</summary>
    public void Set(string domain, RelayEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        _routes[DomainNames.ToAscii(domain)] = [endpoint];
    }

    /// <summary>Adds or replaces the routes of a domain, most preferred first.</summary>
    public void Set(string domain, IReadOnlyList<RelayEndpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.Count == 0)
        {
            throw new ArgumentException("Give at least one relay, or call Remove.", nameof(endpoints));
        }

        _routes[DomainNames.ToAscii(domain)] = endpoints.ToArray();
    }

    public bool Remove(string domain) => DomainNames.TryToAscii(domain, out var key) && _routes.TryRemove(key, out _);

    public ValueTask<IReadOnlyList<RelayEndpoint>> ResolveAsync(string domain, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<RelayEndpoint> result = DomainNames.TryToAscii(domain, out var key) && _routes.TryGetValue(key, out var endpoints)
            ? endpoints
            : [];
        return ValueTask.FromResult(result);
    }
}
