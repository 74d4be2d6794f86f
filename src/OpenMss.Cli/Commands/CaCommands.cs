using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using OpenMss.Trust;

namespace OpenMss.Cli.Commands;

/// <summary>
/// <c>openmss ca init|issue operator|issue server|issue application|revoke|crl</c>: the trust space's
/// certificate authority, kept in a folder (<c>ca.pem</c>, <c>ca.key</c> readable by its owner only).
/// </summary>
internal static class CaCommands
{
    public static Command Create()
    {
        var command = new Command("ca", "The trust space's certificate authority.");
        command.Subcommands.Add(Init());
        var issue = new Command("issue", "Issue a certificate signed by the authority.");
        issue.Subcommands.Add(IssueOperator());
        issue.Subcommands.Add(IssueServer());
        issue.Subcommands.Add(IssueApplication());
        command.Subcommands.Add(issue);
        command.Subcommands.Add(Revoke());
        command.Subcommands.Add(Crl());
        return command;
    }

    private static Option<DirectoryInfo> DirOption() => new("--dir")
    {
        Description = "The authority's folder.",
        Required = true,
    };

    private static Option<FileInfo> OutCert() => new("--cert")
    {
        Description = "Where to write the certificate (PEM).",
        Required = true,
    };

    private static Option<FileInfo> OutKey() => new("--key")
    {
        Description = "Where to write the private key (PEM, mode 0600).",
        Required = true,
    };

    private static Option<int> DaysOption(int days) => new("--days")
    {
        Description = "Validity in days.",
        DefaultValueFactory = _ => days,
    };

    private static Command Init()
    {
        var dir = DirOption();
        var name = new Option<string>("--name")
        {
            Description = "Common name of the root certificate.",
            DefaultValueFactory = _ => "OpenMSS Trust Authority",
        };
        var days = DaysOption(3650);
        var command = new Command("init", "Create the trust space's root certificate and key.") { dir, name, days };
        command.SetAction(parse => Common.RunAsync(() =>
        {
            var folder = parse.GetValue(dir)!.FullName;
            if (CertificateAuthority.Exists(folder))
            {
                return Task.FromResult(Common.Fail($"an authority already exists in {folder}; refusing to overwrite it."));
            }

            var authority = CertificateAuthority.Create(parse.GetValue(name)!, TimeSpan.FromDays(parse.GetValue(days)));
            authority.Save(folder);
            Console.WriteLine($"Created authority '{authority.Certificate.Subject}' in {folder}");
            Console.WriteLine($"  trust anchor: {Path.Combine(folder, "ca.pem")}  (SHA-256 {authority.Certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)})");
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command IssueOperator()
    {
        var dir = DirOption();
        var name = new Option<string>("--name") { Description = "The operator's name (certificate O=).", Required = true };
        var domains = new Option<string[]>("--domain")
        {
            Description = "A mail domain of the operator (repeat for several).",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var cert = OutCert();
        var key = OutKey();
        var days = DaysOption(730);
        var command = new Command("operator", "Issue an operator certificate (server and client use, SAN = its domains).")
        {
            dir, name, domains, cert, key, days,
        };
        command.SetAction(parse => Common.RunAsync(() =>
        {
            var list = parse.GetValue(domains)!;
            foreach (var domain in list)
            {
                if (!OpenMss.Core.Addressing.MssDomains.IsTrustSpaceDomain(domain))
                {
                    return Task.FromResult(Common.Fail($"{domain} is not a domain under .mssante.fr."));
                }
            }

            return Task.FromResult(IssueAndSave(parse, dir, cert, key, "operator", string.Join(", ", list),
                authority => authority.IssueOperatorCertificate(parse.GetValue(name)!, list, TimeSpan.FromDays(parse.GetValue(days)))));
        }));
        return command;
    }

    private static Command IssueServer()
    {
        var dir = DirOption();
        var name = new Option<string>("--name") { Description = "Who runs the web surface (certificate O=).", Required = true };
        var hosts = new Option<string[]>("--host")
        {
            Description = "A host name or IP address clients reach the surface by, e.g. annuaire.mssante.fr, localhost, 127.0.0.1 (repeat for several).",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var cert = OutCert();
        var key = OutKey();
        var days = DaysOption(730);
        var command = new Command("server", "Issue a server certificate for a web surface: directory, identity provider, operator endpoint (server use only, SAN = its host names).")
        {
            dir, name, hosts, cert, key, days,
        };
        command.SetAction(parse => Common.RunAsync(() =>
        {
            // The authority refuses what is neither a host name nor an IP address (one line, exit 1).
            var list = parse.GetValue(hosts)!;
            return Task.FromResult(IssueAndSave(parse, dir, cert, key, "server", string.Join(", ", list),
                authority => authority.IssueServerCertificate(parse.GetValue(name)!, list, TimeSpan.FromDays(parse.GetValue(days)))));
        }));
        return command;
    }

    private static Command IssueApplication()
    {
        var dir = DirOption();
        var mailbox = new Option<string>("--mailbox") { Description = "The APP mailbox address the software uses.", Required = true };
        var cert = OutCert();
        var key = OutKey();
        var days = DaysOption(730);
        var command = new Command("application", "Issue an application certificate for an APP mailbox (client use).")
        {
            dir, mailbox, cert, key, days,
        };
        command.SetAction(parse => Common.RunAsync(() =>
        {
            var address = parse.GetValue(mailbox)!;
            if (!OpenMss.Core.Addressing.MssAddress.TryParse(address, out _, out var error))
            {
                return Task.FromResult(Common.Fail($"{address}: {error.EnglishReason}"));
            }

            return Task.FromResult(IssueAndSave(parse, dir, cert, key, "application", address,
                authority => authority.IssueApplicationCertificate(address, TimeSpan.FromDays(parse.GetValue(days)))));
        }));
        return command;
    }

    /// <summary>Issues with the authority of <paramref name="dir"/>, writes the certificate and key, and records the issue.</summary>
    private static int IssueAndSave(ParseResult parse, Option<DirectoryInfo> dir, Option<FileInfo> cert, Option<FileInfo> key, string kind, string names, Func<CertificateAuthority, IssuedCertificate> issue)
    {
        var folder = parse.GetValue(dir)!.FullName;
        using var authority = CertificateAuthority.Load(folder);
        var issued = issue(authority);
        issued.Save(parse.GetValue(cert)!.FullName, parse.GetValue(key)!.FullName);
        authority.Save(folder);
        Console.WriteLine($"Issued {kind} certificate {issued.Certificate.SerialNumber} for {names}");
        return 0;
    }

    private static Command Revoke()
    {
        var dir = DirOption();
        var cert = new Option<FileInfo>("--cert") { Description = "The certificate to revoke (PEM).", Required = true };
        var command = new Command("revoke", "Revoke a certificate and publish a new CRL (crl.pem in the authority's folder).") { dir, cert };
        command.SetAction(parse => Common.RunAsync(() =>
        {
            var folder = parse.GetValue(dir)!.FullName;
            var authority = CertificateAuthority.Load(folder);
            using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(parse.GetValue(cert)!.FullName));
            authority.Revoke(certificate);
            authority.Save(folder);
            Console.WriteLine($"Revoked {certificate.SerialNumber}; CRL written to {Path.Combine(folder, "crl.pem")}");
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command Crl()
    {
        var dir = DirOption();
        var output = new Option<FileInfo>("--out") { Description = "Where to write the CRL (PEM).", Required = true };
        var command = new Command("crl", "Write a freshly signed certificate revocation list.") { dir, output };
        command.SetAction(parse => Common.RunAsync(() =>
        {
            var authority = CertificateAuthority.Load(parse.GetValue(dir)!.FullName);
            File.WriteAllText(parse.GetValue(output)!.FullName, authority.BuildCrlPem());
            Console.WriteLine($"CRL written to {parse.GetValue(output)!.FullName}");
            return Task.FromResult(0);
        }));
        return command;
    }
}
