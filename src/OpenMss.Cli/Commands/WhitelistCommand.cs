using System.CommandLine;
using OpenMss.Trust;

namespace OpenMss.Cli.Commands;

/// <summary><c>openmss whitelist --domain … --out file.xml</c>: writes a liste blanche in the official shape.</summary>
internal static class WhitelistCommand
{
    public static Command Create()
    {
        var domains = new Option<string[]>("--domain")
        {
            Description = "A domain of the trust space (repeat for several).",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the XML.", Required = true };
        var command = new Command("whitelist", "Write the trust space's whitelist (liste blanche) XML.") { domains, output };
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

            File.WriteAllText(parse.GetValue(output)!.FullName, Whitelist.ToXml(list));
            Console.WriteLine($"Whitelist with {list.Length} domain(s) written to {parse.GetValue(output)!.FullName}");
            return Task.FromResult(0);
        }));
        return command;
    }
}
