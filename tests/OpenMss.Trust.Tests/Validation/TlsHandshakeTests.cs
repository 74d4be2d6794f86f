using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using OpenMss.Testing;
using OpenMss.Trust;

namespace OpenMss.Trust.Tests.Validation;

public sealed class TlsHandshakeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Operators_authenticate_each_other_over_tls(SslProtocols protocol)
    {
        var validator = TestPki.CreateValidator();
        PeerCheck? serverSawClient = null;
        PeerCheck? clientSawServer = null;

        var (serverProtocol, clientProtocol) = await Handshake(
            TlsSettings.ServerOptions(TestPki.Medecin.Certificate, askClientCertificate: true),
            WithProtocol(TlsSettings.ClientOptions(TestPki.Pharmacien.Certificate, TestPki.MedecinDomain, validator, check => clientSawServer = check), protocol),
            server => serverSawClient = validator.ValidateClient(TlsSettings.AsCertificate2(server.RemoteCertificate)));

        Assert.Equal(protocol, serverProtocol);
        Assert.Equal(protocol, clientProtocol);
        Assert.True(clientSawServer!.IsTrusted, clientSawServer.Failure);
        Assert.True(serverSawClient!.IsTrusted, serverSawClient.Failure);
        Assert.True(serverSawClient.NamesDomain(TestPki.PharmacienDomain));
    }

    [Fact]
    public async Task Client_certificate_is_sent_by_a_client_that_only_lists_it_like_mailkit()
    {
        var validator = TestPki.CreateValidator();
        PeerCheck? serverSawClient = null;
        var plain = new SslClientAuthenticationOptions
        {
            TargetHost = TestPki.MedecinDomain,
            EnabledSslProtocols = TlsSettings.Protocols,
            ClientCertificates = new X509CertificateCollection { TestPki.Pharmacien.Certificate },
            RemoteCertificateValidationCallback = TlsSettings.ServerCertificateCallback(validator, TestPki.MedecinDomain),
        };

        await Handshake(
            TlsSettings.ServerOptions(TestPki.Medecin.Certificate, askClientCertificate: true),
            plain,
            server => serverSawClient = validator.ValidateClient(TlsSettings.AsCertificate2(server.RemoteCertificate)));

        Assert.True(serverSawClient!.IsTrusted, serverSawClient.Failure);
        Assert.Equal([TestPki.PharmacienDomain], serverSawClient.DnsNames);
    }

    [Fact]
    public async Task Server_accepts_the_handshake_with_a_foreign_client_certificate_so_smtp_can_refuse_it()
    {
        var validator = TestPki.CreateValidator();
        PeerCheck? serverSawClient = null;

        await Handshake(
            TlsSettings.ServerOptions(TestPki.Medecin.Certificate, askClientCertificate: true),
            TlsSettings.ClientOptions(TestPki.ForeignPharmacien.Certificate, TestPki.MedecinDomain, validator),
            server => serverSawClient = validator.ValidateClient(TlsSettings.AsCertificate2(server.RemoteCertificate)));

        Assert.Equal(PeerFailure.UntrustedIssuer, serverSawClient!.Code);
    }

    [Fact]
    public async Task Server_accepts_the_handshake_without_a_client_certificate_so_smtp_can_refuse_it()
    {
        var validator = TestPki.CreateValidator();
        PeerCheck? serverSawClient = null;

        await Handshake(
            TlsSettings.ServerOptions(TestPki.Medecin.Certificate, askClientCertificate: true),
            TlsSettings.ClientOptions(null, TestPki.MedecinDomain, validator),
            server => serverSawClient = validator.ValidateClient(TlsSettings.AsCertificate2(server.RemoteCertificate)));

        Assert.Equal(PeerFailure.Missing, serverSawClient!.Code);
    }

    [Fact]
    public async Task Client_refuses_a_server_that_does_not_name_the_destination_domain()
    {
        var validator = TestPki.CreateValidator();
        PeerCheck? clientSawServer = null;

        var failure = await Assert.ThrowsAnyAsync<AuthenticationException>(() => Handshake(
            TlsSettings.ServerOptions(TestPki.Pirate.Certificate, askClientCertificate: true),
            TlsSettings.ClientOptions(TestPki.Pharmacien.Certificate, TestPki.MedecinDomain, validator, check => clientSawServer = check),
            _ => { }));

        Assert.NotNull(failure);
        Assert.Equal(PeerFailure.NameMismatch, clientSawServer!.Code);
    }

    [Fact]
    public async Task Client_refuses_a_server_with_a_foreign_certificate()
    {
        var validator = TestPki.CreateValidator();
        PeerCheck? clientSawServer = null;

        await Assert.ThrowsAnyAsync<AuthenticationException>(() => Handshake(
            TlsSettings.ServerOptions(TestPki.ForeignPharmacien.Certificate, askClientCertificate: false),
            TlsSettings.ClientOptions(TestPki.Medecin.Certificate, TestPki.PharmacienDomain, validator, check => clientSawServer = check),
            _ => { }));

        Assert.Equal(PeerFailure.UntrustedIssuer, clientSawServer!.Code);
    }

    [Fact]
    public async Task Tls_below_1_2_is_not_offered_and_a_tls_1_1_client_is_refused()
    {
        var options = TlsSettings.ServerOptions(TestPki.Medecin.Certificate, askClientCertificate: true);
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, options.EnabledSslProtocols);

#pragma warning disable SYSLIB0039 // TLS 1.1 on purpose: the server must refuse it.
        var old = new SslClientAuthenticationOptions
        {
            TargetHost = TestPki.MedecinDomain,
            EnabledSslProtocols = SslProtocols.Tls11,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        };
#pragma warning restore SYSLIB0039

        var exception = await Record.ExceptionAsync(() => Handshake(options, old, _ => { }));

        // The local OpenSSL may refuse to even offer TLS 1.1 (client-side failure), or the server
        // refuses it: either way no session is established.
        Assert.True(exception is AuthenticationException or IOException, exception?.ToString() ?? "a TLS 1.1 session was established");
    }

    private static SslClientAuthenticationOptions WithProtocol(SslClientAuthenticationOptions options, SslProtocols protocol)
    {
        options.EnabledSslProtocols = protocol;
        return options;
    }

    private static async Task<(SslProtocols Server, SslProtocols Client)> Handshake(
        SslServerAuthenticationOptions serverOptions,
        SslClientAuthenticationOptions clientOptions,
        Action<SslStream> onServerAuthenticated)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var cts = new CancellationTokenSource(Timeout);

        var serverTask = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptTcpClientAsync(cts.Token);
            await using var server = new SslStream(accepted.GetStream());
            await server.AuthenticateAsServerAsync(serverOptions, cts.Token);
            onServerAuthenticated(server);
            // Complete the exchange so the client sees a finished handshake (TLS 1.3 tickets).
            var buffer = new byte[1];
            _ = await server.ReadAsync(buffer, cts.Token);
            await server.WriteAsync(buffer, cts.Token);
            return server.SslProtocol;
        });

        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, cts.Token);
            await using var tls = new SslStream(client.GetStream());
            await tls.AuthenticateAsClientAsync(clientOptions, cts.Token);
            await tls.WriteAsync(new byte[] { 42 }, cts.Token);
            var echo = new byte[1];
            await tls.ReadExactlyAsync(echo, cts.Token);
            Assert.Equal(42, echo[0]);
            return (await serverTask, tls.SslProtocol);
        }
        finally
        {
            listener.Stop();
            await Task.WhenAny(serverTask, Task.Delay(Timeout));
        }
    }
}
