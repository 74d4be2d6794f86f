using System.Diagnostics;
using OpenMss.Host.Configuration;
using OpenMss.Trust;

namespace OpenMss.EndToEnd.Tests;

/// <summary>
/// <c>openmss serve</c> runs each service of a trust space on its own from its configuration file
/// (docs/configuration.md): the documented example files load, a wrong file is refused with one
/// line naming the key, and the directory and the identity provider start as separate processes.
/// </summary>
public sealed class ServeServicesTests : IDisposable
{
    private readonly string _folder = System.IO.Directory.CreateTempSubdirectory("openmss-serve-").FullName;

    public void Dispose() => System.IO.Directory.Delete(_folder, recursive: true);

    private static string ExamplesFolder => Path.Combine(Repository.Root, "docs", "examples");

    [Fact]
    public void The_documented_directory_example_loads_with_its_paths_resolved()
    {
        var path = Path.Combine(ExamplesFolder, "directory.json");

        Assert.Equal("directory", ConfigurationFile.ServiceOf(path));
        var config = DirectoryServiceConfig.Load(path);
        Assert.Equal(Path.Combine(ExamplesFolder, "certs", "annuaire.pem"), config.Tls.Certificate);
        Assert.Equal("https://igc.mssante.fr/crl.pem", config.Tls.Crl);
        Assert.Equal("postgres", config.Storage.Provider);
        Assert.Equal(["pharmaciens.mssante.fr", "hopital.mssante.fr"], config.Operators.SelectMany(o => o.Domains));
        Assert.Equal("mx.hopital.mssante.fr:25", config.Operators[1].Relay);
    }

    [Fact]
    public void The_documented_identity_example_loads_with_its_clients()
    {
        var path = Path.Combine(ExamplesFolder, "identity.json");

        Assert.Equal("identity", ConfigurationFile.ServiceOf(path));
        var config = IdentityServiceConfig.Load(path);
        Assert.Equal("https://auth.openmss.example/", config.Issuer);
        Assert.Equal(Path.Combine(ExamplesFolder, "identity"), config.DataDirectory);
        Assert.Equal(["openmss-mail", "openmss-operators", "openmss-pharmacy-workspace"], config.Clients.Select(c => c.ClientId));
        Assert.True(config.Clients[1].AllowIntrospection);
        Assert.Equal(Path.Combine(ExamplesFolder, "secrets", "operators-introspection.secret"), config.Clients[1].SecretFile);
    }

    [Fact]
    public void The_documented_patient_space_example_loads_as_an_operator_with_its_registry()
    {
        var path = Path.Combine(ExamplesFolder, "patient-space.json");

        Assert.Equal("patient-space", ConfigurationFile.ServiceOf(path));
        var config = PatientSpaceConfig.Load(path);
        Assert.Equal("patient.mssante.fr", config.PatientDomain);
        Assert.Equal(["patient.mssante.fr"], config.Domains);
        Assert.Equal("postgres", config.Registry.Provider);
        Assert.StartsWith("Host=db.internal;Database=espace_sante", config.Registry.ConnectionString, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(ExamplesFolder, "secrets", "message.key"), config.Storage.EncryptionKeyFile);
        Assert.Equal(Path.Combine(ExamplesFolder, "certs", "operator.pem"), config.Tls.Certificate);
        Assert.Equal("directory", config.Routing.Mode);
        Assert.False(config.Directory!.Publish);

        // Saved and read again, it is still a patient-space file with its own keys.
        var copy = Path.Combine(_folder, "copy.json");
        config.Save(copy);
        Assert.Equal("patient-space", ConfigurationFile.ServiceOf(copy));
        Assert.Equal("postgres", PatientSpaceConfig.Load(copy).Registry.Provider);

        var outside = Write("outside.json", """
            { "service": "patient-space", "patientDomain": "patient.mssante.fr", "domains": ["autre.mssante.fr"],
              "tls": { "certificate": "a.pem", "key": "a.key", "trustAnchor": "ca.pem" }, "whitelist": { "source": "w.xml" } }
            """);
        Assert.Equal("'patientDomain' patient.mssante.fr must be one of 'domains'.", Assert.Throws<ConfigurationException>(() => PatientSpaceConfig.Load(outside)).Message);
    }

    [Fact]
    public void A_file_without_a_service_key_is_an_operator_and_an_unknown_service_is_refused()
    {
        var operatorFile = Write("operator.json", """{ "name": "Op", "domains": ["a.mssante.fr"] }""");
        var unknown = Write("unknown.json", """{ "service": "patient" }""");

        Assert.Equal("operator", ConfigurationFile.ServiceOf(operatorFile));
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationFile.ServiceOf(unknown));
        Assert.Equal("'service' must be 'operator', 'patient-space', 'directory' or 'identity'.", error.Message);
    }

    [Fact]
    public void A_wrong_setting_is_refused_with_one_line_naming_its_key()
    {
        var directory = Write("directory.json", """{ "service": "directory", "tls": { "certificate": "a.pem", "trustAnchor": "ca.pem" } }""");
        var badDomain = Write("directory2.json", """
            { "service": "directory", "tls": { "certificate": "a.pem", "key": "a.key", "trustAnchor": "ca.pem" },
              "operators": [ { "name": "X", "domains": ["example.com"] } ] }
            """);
        var identity = Write("identity.json", """
            { "service": "identity", "tls": { "certificate": "a.pem", "key": "a.key" },
              "clients": [ { "clientId": "servers", "allowIntrospection": true } ] }
            """);

        var httpIssuer = Write("operator.json", """
            { "name": "Op", "domains": ["a.mssante.fr"], "tls": { "certificate": "a.pem", "key": "a.key", "trustAnchor": "ca.pem" },
              "whitelist": { "source": "whitelist.xml" }, "identity": { "issuer": "http://127.0.0.1:9443/" } }
            """);

        Assert.Equal("'identity.issuer' must be an absolute https URL.", Assert.Throws<ConfigurationException>(() => OperatorConfig.Load(httpIssuer)).Message);
        Assert.Equal("'tls.key' is required.", Assert.Throws<ConfigurationException>(() => DirectoryServiceConfig.Load(directory)).Message);
        Assert.Equal("'operators[0].domains': example.com is not a domain under .mssante.fr.", Assert.Throws<ConfigurationException>(() => DirectoryServiceConfig.Load(badDomain)).Message);
        Assert.StartsWith("'clients[0].secretFile' is required", Assert.Throws<ConfigurationException>(() => IdentityServiceConfig.Load(identity)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_directory_and_the_identity_provider_each_run_as_their_own_serve_process()
    {
        var authority = CertificateAuthority.Create("OpenMSS Test Authority");
        authority.Save(Path.Combine(_folder, "ca"));
        authority.IssueOperatorCertificate("Annuaire", ["annuaire.mssante.fr", "localhost"]).Save(Path.Combine(_folder, "annuaire.pem"), Path.Combine(_folder, "annuaire.key"));
        authority.IssueOperatorCertificate("Identité", ["localhost"]).Save(Path.Combine(_folder, "identity.pem"), Path.Combine(_folder, "identity.key"));
        await File.WriteAllTextAsync(Path.Combine(_folder, "servers.secret"), "s3cret-for-the-test");
        var directoryFile = Write("directory.json", """
            {
              "service": "directory", "listen": "127.0.0.1:0", "publicHost": "localhost", "production": false,
              "tls": { "certificate": "annuaire.pem", "key": "annuaire.key", "trustAnchor": "ca/ca.pem", "crl": "ca/crl.pem" },
              "storage": { "provider": "sqlite", "connectionString": "annuaire.db" },
              "operators": [ { "name": "Opérateur A", "domains": ["a.mssante.fr"], "relay": "127.0.0.1:2525" } ]
            }
            """);
        var identityFile = Write("identity.json", """
            {
              "service": "identity", "listen": "127.0.0.1:0", "publicHost": "localhost", "production": false,
              "tls": { "certificate": "identity.pem", "key": "identity.key" },
              "dataDirectory": "identity",
              "clients": [ { "clientId": "servers", "secretFile": "servers.secret", "allowIntrospection": true } ]
            }
            """);

        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => DemoTestBase.ChainsTo(authority.PublicCertificate, certificate) });
        using var directory = Process.Start(Cli.StartInfo("serve", "--config", directoryFile))!;
        using var identity = Process.Start(Cli.StartInfo("serve", "--config", identityFile))!;
        try
        {
            var directoryUrl = new Uri(await ReadAnnouncedUrlAsync(directory, "directory: "));
            var whitelist = await http.GetStringAsync(new Uri(directoryUrl, "whitelist.xml"));
            Assert.Contains("a.mssante.fr", whitelist, StringComparison.Ordinal);

            var issuer = new Uri(await ReadAnnouncedUrlAsync(identity, "identity: "));
            var discovery = await http.GetStringAsync(new Uri(issuer, ".well-known/openid-configuration"));
            Assert.Contains("introspection_endpoint", discovery, StringComparison.Ordinal);
        }
        finally
        {
            Stop(directory);
            Stop(identity);
        }
    }

    private static async Task<string> ReadAnnouncedUrlAsync(Process process, string prefix)
    {
        // Generous: a cold start of the CLI on a loaded machine; the line comes as soon as it listens.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line[prefix.Length..].Trim();
            }
        }

        throw new InvalidOperationException($"serve exited without announcing its URL: {await process.StandardError.ReadToEndAsync()}");
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    private string Write(string name, string json)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, json);
        return path;
    }
}
