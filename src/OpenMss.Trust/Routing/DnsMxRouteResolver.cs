using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace OpenMss.Trust;

/// <summary>
/// Finds a domain's relays through DNS as RFC 5321 §5.1 says: MX records by preference (equal
/// preferences in random order, to spread the load), the domain itself when it has no MX but an
/// address record (implicit MX), and no relay at all for a null MX (RFC 7505) or a domain that does
/// not exist.
/// </summary>
public sealed class DnsMxRouteResolver : IRouteResolver
{
    private readonly ILookupClient _dns;
    private readonly int _port;

    /// <param name="port">The port to connect to on each relay (25 by default).</param>
    /// <param name="nameServer">A specific DNS server (e.g. a test server on loopback); the system's by default.</param>
    /// <param name="timeout">Per-query timeout (5 s by default).</param>
    public DnsMxRouteResolver(int port = RelayEndpoint.DefaultPort, IPEndPoint? nameServer = null, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        _port = port;
        var options = nameServer is null ? new LookupClientOptions() : new LookupClientOptions(nameServer);
        options.UseCache = true;
        options.Timeout = timeout ?? TimeSpan.FromSeconds(5);
        options.Retries = 1;
        options.ThrowDnsErrors = false;
        options.ContinueOnDnsError = false;
        options.UseTcpFallback = true;
        _dns = new LookupClient(options);
    }

    public async ValueTask<IReadOnlyList<RelayEndpoint>> ResolveAsync(string domain, CancellationToken cancellationToken = default)
    {
        var name = DomainNames.ToAscii(domain);
        var mx = await QueryAsync(name, QueryType.MX, cancellationToken).ConfigureAwait(false);
        if (mx is null)
        {
            return [];
        }

        var records = mx.Answers.MxRecords().ToList();
        if (records.Count > 0)
        {
            return FromMx(records, _port);
        }

        // RFC 5321 §5.1: no MX, but an address record → the domain is its own relay.
        foreach (var type in new[] { QueryType.A, QueryType.AAAA })
        {
            var addresses = await QueryAsync(name, type, cancellationToken).ConfigureAwait(false);
            if (addresses is not null && addresses.Answers.AddressRecords().Any())
            {
                return [new RelayEndpoint(name, _port)];
            }
        }

        return [];
    }

    /// <summary>Orders MX records into relays (exposed for tests of the ordering rules).</summary>
    internal static IReadOnlyList<RelayEndpoint> FromMx(IEnumerable<MxRecord> records, int port) =>
        Order(records.Select(r => (r.Preference, r.Exchange.Value)), port);

    /// <summary>
    /// Orders (preference, exchange) pairs: lowest preference first, ties shuffled; a null MX
    /// (exchange ".", RFC 7505) means the domain accepts no mail.
    /// </summary>
    public static IReadOnlyList<RelayEndpoint> Order(IEnumerable<(ushort Preference, string Exchange)> records, int port = RelayEndpoint.DefaultPort)
    {
        ArgumentNullException.ThrowIfNull(records);
        var list = records.ToList();
        if (list.Any(r => IsNullMx(r.Exchange)))
        {
            return [];
        }

        return list
            .GroupBy(r => r.Preference)
            .OrderBy(g => g.Key)
            .SelectMany(g => g.OrderBy(_ => Random.Shared.Next()))
            .Select(r => r.Exchange.TrimEnd('.'))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(host => new RelayEndpoint(host, port))
            .ToList();
    }

    private static bool IsNullMx(string exchange) => exchange.Length == 0 || exchange == ".";

    private async Task<IDnsQueryResponse?> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _dns.QueryAsync(name, type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        }
        catch (DnsResponseException ex)
        {
            throw new RouteResolutionException($"DNS lookup of {type} {name} failed: {ex.Message}", ex);
        }
        catch (SocketException ex)
        {
            throw new RouteResolutionException($"DNS lookup of {type} {name} failed: {ex.Message}", ex);
        }

        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
        {
            return null;
        }

        if (response.HasError)
        {
            throw new RouteResolutionException($"DNS lookup of {type} {name} failed: {response.ErrorMessage}");
        }

        return response;
    }
}
