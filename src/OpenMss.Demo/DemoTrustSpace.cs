using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using OpenMss.Directory.Api;
using OpenMss.Host;
using OpenMss.Directory;
using OpenMss.Host.Configuration;
using OpenMss.Identity;
using OpenMss.Storage;
using OpenMss.Trust;

namespace OpenMss.Demo;

/// <summary>
/// A whole local trust space in one process, on loopback only, with embedded storage: the trust
/// authority, the directory, the identity provider and every demo operator. Every web surface speaks
/// HTTPS with a certificate from the demo's authority, for <c>localhost</c>; none sends HSTS, which
/// would pin HTTPS for every local service in the user's browser (docs/configuration.md). Writes
/// <c>&lt;data&gt;/demo.json</c> once every listener accepts connections; a second start on the same
/// folder reuses its authority, certificates and mailboxes.
/// </summary>
public sealed partial class DemoTrustSpace : IAsyncDisposable
{
    private readonly List<OperatorNode> _operators = [];
    private DirectoryNode? _directory;
    private PatientSpaceNode? _patientSpace;

    private DemoTrustSpace(string dataDirectory) => DataDirectory = dataDirectory;

    public string DataDirectory { get; }

    public string DemoJsonPath => Path.Combine(DataDirectory, "demo.json");

    /// <summary>The professional operators, in the order of <see cref="DemoCatalogue.Operators"/>.</summary>
    public IReadOnlyList<OperatorNode> Operators => _operators;

    /// <summary>The patient space (operator of <c>patient.mssante.fr</c>) with the demo patients in its registry.</summary>
    public PatientSpaceNode PatientSpace => _patientSpace!;


    /// <summary>The identity provider (Pro Santé Connect stand-in).</summary>
    public IdentityProvider Identity { get; private set; } = null!;

    /// <summary>The national directory of the demo (HTTPS, certificate from the demo authority).</summary>
    public DirectoryServer Directory { get; private set; } = null!;

    public static async Task<DemoTrustSpace> StartAsync(string dataDirectory, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        var demo = new DemoTrustSpace(Path.GetFullPath(dataDirectory));
        try
        {
            await demo.StartCoreAsync(loggerFactory, cancellationToken);
            return demo;
        }
        catch
        {
            await demo.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        // Databases (addresses, audit trail) and keys live here: a new folder is the owner's only.
        if (!System.IO.Directory.Exists(DataDirectory) && !OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(DataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        System.IO.Directory.CreateDirectory(DataDirectory);
        File.Delete(DemoJsonPath); // demo.json appears only once everything listens

        var layout = new DemoLayout(DataDirectory);
        var authority = CertificateAuthority.Exists(layout.AuthorityDirectory)
            ? CertificateAuthority.Load(layout.AuthorityDirectory)
            : CreateAuthority(layout.AuthorityDirectory);

        System.IO.Directory.CreateDirectory(layout.TrustDirectory);
        await File.WriteAllTextAsync(layout.CrlFile, authority.BuildCrlPem(), cancellationToken);
        var anchor = authority.PublicCertificate;

        // The national directory first: operators take their whitelist and routing from it.
        System.IO.Directory.CreateDirectory(layout.DirectoryFolder);
        var directoryCertificate = layout.DirectoryCertificate;
        if (!File.Exists(directoryCertificate.Pem) || !File.Exists(directoryCertificate.Key))
        {
            authority.IssueServerCertificate("Annuaire national MSSanté (démo)", [DirectoryServerName, "localhost"])
                .Save(directoryCertificate.Pem, directoryCertificate.Key);
        }

        // The same configuration files and start-up code as `openmss serve` (docs/configuration.md).
        var directoryConfig = new DirectoryServiceConfig
        {
            Listen = "127.0.0.1:0",
            PublicHost = "localhost",
            Production = false,
            Tls = new TlsConfig { Certificate = directoryCertificate.Pem, Key = directoryCertificate.Key, TrustAnchor = layout.TrustAnchor, Crl = layout.CrlFile },
            Storage = new StorageConfig { Provider = "sqlite", ConnectionString = Path.Combine(layout.DirectoryFolder, "annuaire.db") },
        };
        directoryConfig.Save(Path.Combine(layout.DirectoryFolder, "directory.json"));
        _directory = await DirectoryNode.StartAsync(directoryConfig, loggerFactory, cancellationToken: cancellationToken);
        Directory = _directory.Server;

        // The identity provider: professionals sign in with RPPS + password + one-time code, over
        // HTTPS (an OpenID Connect client or a browser cookie of a health app accepts nothing less).
        var identityCertificate = EnsureWebCertificate(authority, layout.IdentityCertificate, "Fournisseur d'identité (démo)");
        await LoadOrCreateSecretAsync(layout.IntrospectionSecretFile, cancellationToken);
        var internetMail = await StartInternetMailCatcherAsync(authority, layout.TrustAnchor, loggerFactory, cancellationToken);
        var identityConfig = new IdentityServiceConfig
        {
            InternetMail = internetMail,
            Listen = "127.0.0.1:0",
            PublicHost = "localhost",
            Production = false,
            Tls = new TlsConfig { Certificate = identityCertificate.Pem, Key = identityCertificate.Key },
            DataDirectory = layout.IdentityFolder,
            Clients =
            [
                new IdentityClientConfig { ClientId = DemoCatalogue.MailClientId, DisplayName = "Clients de messagerie", AllowPasswordGrant = true },
                new IdentityClientConfig
                {
                    ClientId = DemoCatalogue.IntrospectionClientId,
                    SecretFile = layout.IntrospectionSecretFile,
                    DisplayName = "Serveurs de messagerie des opérateurs",
                    AllowIntrospection = true,
                    AllowRefreshTokens = false,
                },
            ],
        };
        identityConfig.Save(Path.Combine(layout.IdentityFolder, "identity.json"));
        Identity = await IdentityNode.StartAsync(identityConfig, loggerFactory, cancellationToken);
        foreach (var person in DemoCatalogue.Operators.SelectMany(o => o.Mailboxes).Where(m => m.Rpps is not null))
        {
            await Identity.CreateOrUpdateAccountAsync(person.Rpps!, person.DisplayName, DemoCatalogue.PasswordOf(person), DemoCatalogue.TotpSecretOf(person), cancellationToken);
        }

        foreach (var op in DemoCatalogue.Operators)
        {
            var config = PrepareOperator<OperatorConfig>(layout, authority, op, Directory, Identity);
            var node = await OperatorNode.StartAsync(config, loggerFactory, cancellationToken: cancellationToken);
            _operators.Add(node);
            await RegisterAsync(op, node);
            await EnsureMailboxesAsync(node, op, cancellationToken);
        }

        // The patient space: one more operator of the trust space (its domain on the whitelist, its relay
        // in the routing table); its patients are in its registry, never in the directory.
        var patientSpace = DemoCatalogue.PatientSpace;
        var patientConfig = PrepareOperator<PatientSpaceConfig>(layout, authority, patientSpace, Directory, Identity, c =>
        {
            c.PatientDomain = patientSpace.Domain;
            c.Directory!.Publish = false; // routing and whitelist only: patients are never published
            c.Registry = new PatientRegistryConfig { Provider = "sqlite", ConnectionString = Path.Combine(layout.OperatorDirectory(patientSpace.Id), "patients.db") };
        });
        _patientSpace = await PatientSpaceNode.StartAsync(patientConfig, loggerFactory, cancellationToken: cancellationToken);
        await RegisterAsync(patientSpace, _patientSpace.Operator);
        await EnsurePatientsAsync(_patientSpace.Registry, cancellationToken);
        System.IO.Directory.CreateDirectory(InternetMailDirectory);

        // Every operator is registered: fetch the whitelist and routing now rather than at the next refresh.
        foreach (var node in _operators.Append(_patientSpace.Operator))
        {
            await node.RefreshTrustSpaceAsync(cancellationToken);
        }

        foreach (var app in DemoCatalogue.Operators.SelectMany(o => o.Mailboxes).Where(m => m.Role == "application"))
        {
            var (pem, key) = layout.ApplicationCertificate(app.Address);
            if (!File.Exists(pem) || !File.Exists(key))
            {
                authority.IssueApplicationCertificate(app.Address).Save(pem, key);
            }
        }

        await WriteDemoJsonAsync(layout, cancellationToken);
    }

    /// <summary>A random client secret kept in a 0600 file, the same across runs on one data folder.</summary>
    private static async Task<string> LoadOrCreateSecretAsync(string path, CancellationToken cancellationToken)
    {
        if (File.Exists(path))
        {
            return (await File.ReadAllTextAsync(path, cancellationToken)).Trim();
        }

        var secret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var file = new FileStream(path, options))
        await using (var writer = new StreamWriter(file))
        {
            await writer.WriteAsync(secret);
        }

        return secret;
    }

    /// <summary>A server certificate for a local web surface (<c>localhost</c>), issued once per data folder.</summary>
    private static (string Pem, string Key) EnsureWebCertificate(CertificateAuthority authority, (string Pem, string Key) files, string name)
    {
        if (!File.Exists(files.Pem) || !File.Exists(files.Key))
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(files.Pem)!);
            authority.IssueServerCertificate(name, ["localhost"]).Save(files.Pem, files.Key);
        }

        return files;
    }

    private static CertificateAuthority CreateAuthority(string directory)
    {
        var authority = CertificateAuthority.Create("OpenMSS Demo Trust Authority");
        authority.Save(directory);
        return authority;
    }

    private const string DirectoryServerName = "annuaire.mssante.fr";

    private Task RegisterAsync(DemoOperator op, OperatorNode node) =>
        Directory.RegisterOperatorAsync(op.Name, [op.Domain], $"127.0.0.1:{node.RelayEndPoint.Port}", node.Certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256));

    /// <summary>
    /// Puts the demo patients into the registry, once: a patient already there keeps the state a test
    /// or the administrator gave it (a second run reuses its data).
    /// </summary>
    private static async Task EnsurePatientsAsync(OpenMss.PatientSpace.Registry.IPatientRegistry registry, CancellationToken cancellationToken)
    {
        var missing = new List<DemoPatient>();
        foreach (var patient in DemoCatalogue.Patients)
        {
            if (await registry.FindStateAsync(patient.Ins, cancellationToken) is null)
            {
                missing.Add(patient);
            }
        }

        if (missing.Count == 0)
        {
            return;
        }

        await using (var import = await registry.BeginImportAsync(cancellationToken))
        {
            foreach (var p in missing)
            {
                OpenMss.PatientSpace.Registry.PatientAccountStates.TryParse(p.Status, out var state);
                await import.WriteAsync(new OpenMss.PatientSpace.Registry.PatientImportRow(
                    p.Ins, new OpenMss.PatientSpace.Registry.PatientIdentity(p.GivenNames, p.FamilyName, p.BirthDate, p.InsurerEmail, p.CardSerial), state), cancellationToken);
            }

            await import.CommitAsync(cancellationToken);
        }

        foreach (var p in missing.Where(m => m.PersonalEmail is not null))
        {
            await registry.SetPersonalEmailAsync(p.Ins, p.PersonalEmail, cancellationToken);
        }
    }

    /// <summary>The configuration of a demo operator (a professional one, or the patient space with <paramref name="configure"/>), saved beside its data.</summary>
    private static T PrepareOperator<T>(DemoLayout layout, CertificateAuthority authority, DemoOperator op, DirectoryServer directory, IdentityProvider identity, Action<T>? configure = null)
        where T : OperatorConfig, new()
    {
        var dir = layout.OperatorDirectory(op.Id);
        System.IO.Directory.CreateDirectory(dir);
        var certificate = Path.Combine(dir, "operator.pem");
        var key = Path.Combine(dir, "operator.key");
        if (!File.Exists(certificate) || !File.Exists(key))
        {
            authority.IssueOperatorCertificate(op.Name, [op.Domain]).Save(certificate, key);
        }

        var web = EnsureWebCertificate(authority, (Path.Combine(dir, "web.pem"), Path.Combine(dir, "web.key")), op.Name);

        var config = new T
        {
            Name = op.Name,
            Domains = [op.Domain],
            HostName = "mx." + op.Domain,
            Relay = new RelayConfig { Listen = "127.0.0.1:0" },
            Web = new WebConfig { Listen = "127.0.0.1:0", Certificate = web.Pem, Key = web.Key, PublicHost = "localhost", Production = false },
            Storage = new StorageConfig
            {
                Provider = "sqlite",
                ConnectionString = Path.Combine(dir, "openmss.db"),
                EncryptionKeyFile = Path.Combine(dir, "message.key"),
            },
            Tls = new TlsConfig { Certificate = certificate, Key = key, TrustAnchor = layout.TrustAnchor, Crl = layout.CrlFile },
            Whitelist = new WhitelistConfig { Source = directory.WhitelistUrl.ToString(), Refresh = TimeSpan.FromMinutes(1) },
            Routing = new RoutingConfig { Mode = "directory" },
            Directory = new DirectoryConfig { Url = directory.BaseUrl.ToString(), ServerName = DirectoryServerName, RoutingRefresh = TimeSpan.FromMinutes(1) },
            Submission = new SubmissionConfig { Listen = "127.0.0.1:0", ImplicitTlsListen = "127.0.0.1:0", AllowPasswords = true },
            Imap = new ImapConfig { Listen = "127.0.0.1:0", ImplicitTlsListen = "127.0.0.1:0", AllowPasswords = true },
            Identity = new IdentityConfig
            {
                Issuer = identity.Issuer.ToString(),
                AccountsDatabase = Path.Combine(layout.IdentityFolder, "identity.db"),
                IntrospectionClientId = DemoCatalogue.IntrospectionClientId,
                IntrospectionClientSecretFile = layout.IntrospectionSecretFile,
            },
            Queue = new QueueConfig { RetryInitialDelay = TimeSpan.FromSeconds(10), RetryMaxDelay = TimeSpan.FromMinutes(5) },
        };

        configure?.Invoke(config);

        // Saved so that `openmss send|queue|mailbox|patients --config <file>` work against the demo's stores.
        config.Save(ConfigPath(layout, op, config));
        return config;
    }

    private static string ConfigPath(DemoLayout layout, DemoOperator op, OperatorConfig config) =>
        Path.Combine(layout.OperatorDirectory(op.Id), config is PatientSpaceConfig ? "patient-space.json" : "operator.json");

    private static async Task EnsureMailboxesAsync(OperatorNode node, DemoOperator op, CancellationToken cancellationToken)
    {
        foreach (var mailbox in op.Mailboxes)
        {
            if (await node.Store.FindMailboxAsync(mailbox.Address, cancellationToken) is null)
            {
                var owner = mailbox.Rpps is null ? null : DemoCatalogue.IdNatPsOf(mailbox);
                await node.Store.CreateMailboxAsync(new NewMailbox(mailbox.Address, mailbox.Kind, mailbox.DisplayName, owner), cancellationToken);
            }

            // The pharmacy team shares the pharmacy's organisational mailbox.
            if (mailbox.Kind == OpenMss.Core.MailboxKind.Organisational)
            {
                foreach (var member in op.Mailboxes.Where(m => m.Role is "pharmacist" or "technician"))
                {
                    await node.Store.AddMemberAsync(
                        mailbox.Address,
                        new NewMember(DemoCatalogue.IdNatPsOf(member), member.DisplayName, member.Role == "pharmacist" ? MemberRole.Pharmacist : MemberRole.Technician),
                        new MembershipAudit("demo"),
                        cancellationToken);
                }
            }

            if (mailbox.Publication is not null)
            {
                await node.Directory!.PublishMailboxAsync(mailbox.Address, mailbox.Publication, cancellationToken);
            }
        }
    }

    private async Task WriteDemoJsonAsync(DemoLayout layout, CancellationToken cancellationToken)
    {
        var operators = new JsonArray();
        var accounts = new JsonArray();
        foreach (var (op, node) in DemoCatalogue.Operators.Zip(_operators))
        {
            var dir = layout.OperatorDirectory(op.Id);
            operators.Add(new JsonObject
            {
                ["name"] = op.Name,
                ["domains"] = new JsonArray(op.Domain),
                ["relay"] = $"127.0.0.1:{node.RelayEndPoint.Port}",
                ["submission"] = $"127.0.0.1:{node.SubmissionEndPoint!.Port}",
                ["submissionTls"] = $"127.0.0.1:{node.SubmissionTlsEndPoint!.Port}",
                ["imap"] = $"127.0.0.1:{node.ImapEndPoint!.Port}",
                ["imapTls"] = $"127.0.0.1:{node.ImapTlsEndPoint!.Port}",
                ["web"] = node.WebUrl.ToString().TrimEnd('/'),
                ["config"] = Path.Combine(dir, "operator.json"),
                ["certificate"] = new JsonObject
                {
                    ["pem"] = Path.Combine(dir, "operator.pem"),
                    ["key"] = Path.Combine(dir, "operator.key"),
                },
                ["mailboxes"] = new JsonArray(op.Mailboxes.Select(m => (JsonNode)new JsonObject
                {
                    ["address"] = m.Address,
                    ["type"] = OpenMss.Core.MailboxKinds.ToCode(m.Kind),
                    ["displayName"] = m.DisplayName,
                }).ToArray()),
            });

            foreach (var m in op.Mailboxes.Where(m => m.Role is not null))
            {
                var account = new JsonObject
                {
                    ["role"] = m.Role,
                    ["displayName"] = m.DisplayName,
                    ["mailboxes"] = new JsonArray(new JsonObject { ["address"] = m.Address, ["type"] = OpenMss.Core.MailboxKinds.ToCode(m.Kind) }),
                };

                // The pharmacy team (pharmacists and technicians) share the pharmacy's ORG mailbox.
                if (m.Role is "pharmacist" or "technician")
                {
                    foreach (var org in op.Mailboxes.Where(o => o.Kind == OpenMss.Core.MailboxKind.Organisational))
                    {
                        ((JsonArray)account["mailboxes"]!).Add(new JsonObject { ["address"] = org.Address, ["type"] = "ORG" });
                    }
                }
                if (m.Rpps is not null)
                {
                    account["rpps"] = m.Rpps;
                    account["idNatPs"] = DemoCatalogue.IdNatPsOf(m);
                    account["login"] = m.Rpps;
                    account["password"] = DemoCatalogue.PasswordOf(m);
                    account["totpSecret"] = DemoCatalogue.TotpSecretOf(m);
                }

                if (m.Role == "application")
                {
                    var (pem, key) = layout.ApplicationCertificate(m.Address);
                    account["certificate"] = new JsonObject { ["pem"] = pem, ["key"] = key };
                }

                accounts.Add(account);
            }
        }

        var patientNode = PatientSpace.Operator;
        var patientSpace = new JsonObject
        {
            ["name"] = DemoCatalogue.PatientSpace.Name,
            ["domain"] = DemoCatalogue.PatientSpace.Domain,
            ["relay"] = $"127.0.0.1:{patientNode.RelayEndPoint.Port}",
            ["submission"] = $"127.0.0.1:{patientNode.SubmissionEndPoint!.Port}",
            ["imap"] = $"127.0.0.1:{patientNode.ImapEndPoint!.Port}",
            ["web"] = patientNode.WebUrl.ToString().TrimEnd('/'),
            // The patient portal is not built yet.
            ["portal"] = null,
            ["config"] = Path.Combine(layout.OperatorDirectory(DemoCatalogue.PatientSpace.Id), "patient-space.json"),
            ["certificate"] = new JsonObject
            {
                ["pem"] = Path.Combine(layout.OperatorDirectory(DemoCatalogue.PatientSpace.Id), "operator.pem"),
                ["key"] = Path.Combine(layout.OperatorDirectory(DemoCatalogue.PatientSpace.Id), "operator.key"),
            },
        };

        foreach (var p in DemoCatalogue.Patients)
        {
            var account = new JsonObject
            {
                ["role"] = "patient",
                ["displayName"] = $"{p.GivenNames} {p.FamilyName}",
                ["ins"] = p.Ins.Value,
                ["address"] = PatientSpace.RecipientPolicy.MailboxAddress(p.Ins),
                ["status"] = p.Status,
                // Where notifications go: the address chosen at activation, else the one the insurer knows.
                ["personalEmail"] = p.PersonalEmail ?? p.InsurerEmail,
            };
            if (p.Status == "activated")
            {
                // Placeholders until the portal's sign-in exists.
                account["login"] = p.Ins.Value;
                account["password"] = DemoCatalogue.PasswordOf(p);
            }
            else if (p.Status == "not-activated")
            {
                // What the patient types besides the code the notification brings.
                account["activation"] = new JsonObject
                {
                    ["birthDate"] = p.BirthDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                    ["cardSerial"] = p.CardSerial,
                };
            }

            accounts.Add(account);
        }

        var demo = new JsonObject
        {
            ["trustAnchor"] = layout.TrustAnchor,
            ["trust"] = new JsonObject { ["crl"] = layout.CrlFile },
            ["internetMailDir"] = InternetMailDirectory,
            ["identity"] = new JsonObject { ["issuer"] = Identity.Issuer.ToString(), ["mailClientId"] = DemoCatalogue.MailClientId },
            ["directory"] = new JsonObject
            {
                ["url"] = Directory.BaseUrl.ToString().TrimEnd('/'),
                ["fhir"] = Directory.FhirBaseUrl.ToString().TrimEnd('/'),
                ["whitelist"] = Directory.WhitelistUrl.ToString(),
                ["serverName"] = DirectoryServerName,
            },
            ["operators"] = operators,
            ["patientSpace"] = patientSpace,
            ["accounts"] = accounts,
        };

        // Written to a temporary file then renamed, so a reader never sees half a file; it holds
        // every account's password and TOTP secret, so only its owner may read it (0600).
        var temporary = DemoJsonPath + ".tmp";
        File.Delete(temporary);
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var file = new FileStream(temporary, fileOptions))
        await using (var writer = new StreamWriter(file))
        {
            await writer.WriteAsync(demo.ToJsonString(new JsonSerializerOptions
            {
                WriteIndented = true,
                Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            }));
        }

        File.Move(temporary, DemoJsonPath, overwrite: true);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_operators))
        {
            await node.DisposeAsync();
        }

        _operators.Clear();
        if (_patientSpace is not null)
        {
            await _patientSpace.DisposeAsync();
        }

        if (_directory is not null)
        {
            await _directory.DisposeAsync();
        }

        if (Identity is not null)
        {
            await Identity.DisposeAsync();
        }

        await DisposeInternetMailCatcherAsync();
    }

    private sealed class DemoLayout(string root)
    {
        public string AuthorityDirectory => Path.Combine(root, "authority");

        public string TrustAnchor => Path.Combine(AuthorityDirectory, "ca.pem");

        public string TrustDirectory => Path.Combine(root, "trust");

        public string DirectoryFolder => Path.Combine(root, "directory");

        public string IdentityFolder => Path.Combine(root, "identity");

        public (string Pem, string Key) IdentityCertificate => (Path.Combine(IdentityFolder, "identity.pem"), Path.Combine(IdentityFolder, "identity.key"));

        public string IntrospectionSecretFile => Path.Combine(root, "identity", "operators-introspection.secret");

        public (string Pem, string Key) DirectoryCertificate => (Path.Combine(DirectoryFolder, "annuaire.pem"), Path.Combine(DirectoryFolder, "annuaire.key"));

        public string CrlFile => Path.Combine(TrustDirectory, "crl.pem");

        public string OperatorDirectory(string id) => Path.Combine(root, "operators", id);

        public (string Pem, string Key) ApplicationCertificate(string address)
        {
            var dir = Path.Combine(root, "applications");
            var name = address.Replace('@', '_');
            return (Path.Combine(dir, name + ".pem"), Path.Combine(dir, name + ".key"));
        }
    }
}
