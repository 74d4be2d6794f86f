using OpenMss.Trust;

namespace OpenMss.Trust.Tests.Routing;

public sealed class RoutingTests
{
    [Theory]
    [InlineData("relay.medecin.mssante.fr:2525", "relay.medecin.mssante.fr", 2525)]
    [InlineData("relay.medecin.mssante.fr", "relay.medecin.mssante.fr", 25)]
    [InlineData("127.0.0.1:40025", "127.0.0.1", 40025)]
    [InlineData("[::1]:40025", "::1", 40025)]
    [InlineData("::1", "::1", 25)]
    public void Relay_addresses_parse(string text, string host, int port)
    {
        Assert.Equal(new RelayEndpoint(host, port), RelayEndpoint.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("host:0")]
    [InlineData("host:70000")]
    [InlineData("host:abc")]
    [InlineData("[::1")]
    [InlineData(":25")]
    public void Bad_relay_addresses_are_refused(string text)
    {
        Assert.Throws<FormatException>(() => RelayEndpoint.Parse(text));
    }

    [Fact]
    public async Task Route_table_answers_configured_domains_only()
    {
        var table = new StaticRouteTable(new Dictionary<string, string>
        {
            ["medecin.mssante.fr"] = "127.0.0.1:40025",
            ["Pédiatre.mssante.fr"] = "localhost:40026",
        });

        Assert.Equal([new RelayEndpoint("127.0.0.1", 40025)], await table.ResolveAsync("MEDECIN.mssante.fr"));
        Assert.Equal([new RelayEndpoint("localhost", 40026)], await table.ResolveAsync("xn--pdiatre-bya.mssante.fr"));
        Assert.Empty(await table.ResolveAsync("pharmacien.mssante.fr"));

        table.Set("pharmacien.mssante.fr", new RelayEndpoint("127.0.0.1", 40027));
        Assert.Equal([new RelayEndpoint("127.0.0.1", 40027)], await table.ResolveAsync("pharmacien.mssante.fr"));
        Assert.True(table.Remove("pharmacien.mssante.fr"));
        Assert.Empty(await table.ResolveAsync("pharmacien.mssante.fr"));
    }

    [Fact]
    public void Route_table_refuses_bad_configuration()
    {
        Assert.Throws<FormatException>(() => new StaticRouteTable(new Dictionary<string, string> { ["medecin.mssante.fr"] = "relay:99999" }));
        Assert.Throws<FormatException>(() => new StaticRouteTable(new Dictionary<string, string> { ["bad..domain"] = "relay:25" }));
    }

    [Fact]
    public void Mx_records_are_ordered_by_preference_and_null_mx_means_no_mail()
    {
        var ordered = DnsMxRouteResolver.Order([(20, "backup.example.fr."), (10, "mx1.example.fr."), (30, "last.example.fr")], 2525);

        Assert.Equal(["mx1.example.fr", "backup.example.fr", "last.example.fr"], ordered.Select(e => e.Host));
        Assert.All(ordered, e => Assert.Equal(2525, e.Port));
        Assert.Empty(DnsMxRouteResolver.Order([(0, ".")]));
    }

    [Fact]
    public void Equal_preferences_keep_every_relay_after_the_preferred_ones()
    {
        var ordered = DnsMxRouteResolver.Order([(10, "b.example.fr"), (5, "first.example.fr"), (10, "a.example.fr")]);

        Assert.Equal("first.example.fr", ordered[0].Host);
        Assert.Equal(["a.example.fr", "b.example.fr"], ordered.Skip(1).Select(e => e.Host).Order());
    }

    [Fact]
    public async Task Mx_lookup_over_dns_returns_relays_by_preference()
    {
        await using var dns = new FakeDnsServer()
            .Mx("medecin.mssante.fr", 20, "mx2.medecin.mssante.fr")
            .Mx("medecin.mssante.fr", 10, "mx1.medecin.mssante.fr");
        var resolver = new DnsMxRouteResolver(port: 2525, nameServer: dns.EndPoint, timeout: TimeSpan.FromSeconds(2));

        var relays = await resolver.ResolveAsync("Medecin.MSSante.fr");

        Assert.Equal([new RelayEndpoint("mx1.medecin.mssante.fr", 2525), new RelayEndpoint("mx2.medecin.mssante.fr", 2525)], relays);
    }

    [Fact]
    public async Task Domain_without_mx_but_with_an_address_is_its_own_relay()
    {
        await using var dns = new FakeDnsServer().Address("pharmacien.mssante.fr", "192.0.2.10");
        var resolver = new DnsMxRouteResolver(nameServer: dns.EndPoint, timeout: TimeSpan.FromSeconds(2));

        Assert.Equal([new RelayEndpoint("pharmacien.mssante.fr", 25)], await resolver.ResolveAsync("pharmacien.mssante.fr"));
    }

    [Fact]
    public async Task Domain_with_only_an_ipv6_address_is_its_own_relay()
    {
        await using var dns = new FakeDnsServer().Address("v6.mssante.fr", "2001:db8::25");
        var resolver = new DnsMxRouteResolver(nameServer: dns.EndPoint, timeout: TimeSpan.FromSeconds(2));

        Assert.Equal([new RelayEndpoint("v6.mssante.fr", 25)], await resolver.ResolveAsync("v6.mssante.fr"));
    }

    [Fact]
    public async Task Null_mx_unknown_domain_and_domain_without_address_have_no_relay()
    {
        await using var dns = new FakeDnsServer()
            .Mx("nomail.mssante.fr", 0, ".")
            .Address("nomail.mssante.fr", "192.0.2.11")
            .Exists("empty.mssante.fr");
        var resolver = new DnsMxRouteResolver(nameServer: dns.EndPoint, timeout: TimeSpan.FromSeconds(2));

        Assert.Empty(await resolver.ResolveAsync("nomail.mssante.fr"));
        Assert.Empty(await resolver.ResolveAsync("absent.mssante.fr"));
        Assert.Empty(await resolver.ResolveAsync("empty.mssante.fr"));
    }

    [Fact]
    public async Task Dns_server_failure_is_a_transient_error()
    {
        await using var dns = new FakeDnsServer().Failing("broken.mssante.fr");
        var resolver = new DnsMxRouteResolver(nameServer: dns.EndPoint, timeout: TimeSpan.FromSeconds(2));

        await Assert.ThrowsAsync<RouteResolutionException>(async () => await resolver.ResolveAsync("broken.mssante.fr"));
    }

    [Fact]
    public async Task Composite_resolver_prefers_the_table_then_falls_back_to_dns()
    {
        await using var dns = new FakeDnsServer()
            .Mx("medecin.mssante.fr", 10, "mx.medecin.mssante.fr")
            .Mx("pharmacien.mssante.fr", 10, "mx.pharmacien.mssante.fr");
        var table = new StaticRouteTable();
        table.Set("medecin.mssante.fr", new RelayEndpoint("127.0.0.1", 40025));
        var resolver = new CompositeRouteResolver(table, new DnsMxRouteResolver(nameServer: dns.EndPoint, timeout: TimeSpan.FromSeconds(2)));

        Assert.Equal([new RelayEndpoint("127.0.0.1", 40025)], await resolver.ResolveAsync("medecin.mssante.fr"));
        Assert.Equal([new RelayEndpoint("mx.pharmacien.mssante.fr", 25)], await resolver.ResolveAsync("pharmacien.mssante.fr"));
        Assert.Empty(await resolver.ResolveAsync("absent.mssante.fr"));
    }
}
