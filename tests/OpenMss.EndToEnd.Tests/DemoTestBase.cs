using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Demo;

namespace OpenMss.EndToEnd.Tests;

/// <summary>
/// A fresh demo trust space per test, as the README ("The demo") describes it, and what a client reads from its
/// demo.json: accounts by role, endpoints, and the trust anchor to check servers against.
/// </summary>
public abstract class DemoTestBase : IAsyncLifetime
{
    private readonly DirectoryInfo _dir = System.IO.Directory.CreateTempSubdirectory("openmss-demo-test-");

    protected DemoTrustSpace Demo { get; private set; } = null!;

    protected JsonElement Contract { get; private set; }

    public async Task InitializeAsync()
    {
        Demo = await DemoTrustSpace.StartAsync(_dir.FullName, NullLoggerFactory.Instance);
        Contract = JsonDocument.Parse(await File.ReadAllTextAsync(Demo.DemoJsonPath)).RootElement.Clone();
    }

    public async Task DisposeAsync()
    {
        await Demo.DisposeAsync();
        _dir.Delete(recursive: true);
    }

    /// <summary>The first account of demo.json with this role.</summary>
    protected JsonElement Account(string role) =>
        Contract.GetProperty("accounts").EnumerateArray().First(a => a.GetProperty("role").GetString() == role);

    /// <summary>A <c>host:port</c> of the first operator (e.g. <c>imap</c>, <c>submissionTls</c>).</summary>
    protected System.Net.IPEndPoint Endpoint(string key, int operatorIndex = 0) =>
        System.Net.IPEndPoint.Parse(Contract.GetProperty("operators")[operatorIndex].GetProperty(key).GetString()!);

    /// <summary>An HTTPS client that trusts the demo's authority (the identity provider, the directory, the operators' endpoints).</summary>
    protected HttpClient TrustingClient() =>
        new(OpenMss.Identity.Validation.TrustAnchorHandler.Create(X509Certificate2.CreateFromPem(File.ReadAllText(Contract.GetProperty("trustAnchor").GetString()!))));

    /// <summary>Accepts a server certificate only when it chains to the demo's trust anchor.</summary>
    protected RemoteCertificateValidationCallback TrustAnchorValidation()
    {
        var anchor = X509Certificate2.CreateFromPem(File.ReadAllText(Contract.GetProperty("trustAnchor").GetString()!));
        return (_, certificate, _, _) => ChainsTo(anchor, certificate);
    }

    internal static bool ChainsTo(X509Certificate2 anchor, X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(anchor);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
    }
}
