using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMss.Core.Identifiers;
using OpenMss.Host;
using OpenMss.Host.Configuration;

namespace OpenMss.Cli.Commands;

/// <summary>
/// <c>openmss account create --config identity.json</c>: enrols a health professional with the
/// identity provider (password and RFC 6238 one-time code secret), in the provider's own database,
/// whether the provider is running or not.
/// </summary>
internal static class AccountCommands
{
    public static Command Create()
    {
        var command = new Command("account", "Manage the identity provider's professional accounts.");
        command.Subcommands.Add(CreateAccount());
        return command;
    }

    private static Command CreateAccount()
    {
        var config = Common.ConfigOption();
        config.Description = "The identity provider's configuration file (\"service\": \"identity\", see docs/configuration.md).";
        var rpps = new Option<string>("--rpps") { Description = "The professional's RPPS number (11 digits).", Required = true };
        var name = new Option<string>("--name") { Description = "Display name.", Required = true };
        var passwordFile = new Option<FileInfo>("--password-file")
        {
            Description = "A file holding the password (keep it 0600; a password never goes on the command line).",
            Required = true,
        };
        var totpOut = new Option<FileInfo?>("--totp-out")
        {
            Description = "Where to write the one-time code secret (Base32, mode 0600) for the professional's authenticator app.",
        };
        var command = new Command("create", "Create an account, or set the password and a new one-time code secret of an existing one.")
        {
            config, rpps, name, passwordFile, totpOut,
        };
        command.SetAction((parse, cancellationToken) => Common.RunAsync(async () =>
        {
            var number = parse.GetValue(rpps)!;
            if (!Rpps.TryParse(number, out var parsed, out var error))
            {
                return Common.Fail($"--rpps {number}: {error.EnglishReason}");
            }

            var file = parse.GetValue(passwordFile)!;
            if (!file.Exists)
            {
                return Common.Fail($"--password-file {file.FullName}: no such file.");
            }

            var password = (await File.ReadAllTextAsync(file.FullName, cancellationToken)).Trim();
            if (password.Length == 0)
            {
                return Common.Fail($"--password-file {file.FullName} is empty.");
            }

            var settings = IdentityServiceConfig.Load(parse.GetValue(config)!.FullName);
            var accounts = await IdentityNode.OpenAccountsAsync(settings, NullLoggerFactory.Instance, cancellationToken);
            var enrollment = await accounts.CreateOrUpdateAccountAsync(parsed.Value, parse.GetValue(name)!, password, cancellationToken: cancellationToken);
            if (parse.GetValue(totpOut) is { } output)
            {
                var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                await using (var stream = new FileStream(output.FullName, options))
                await using (var writer = new StreamWriter(stream))
                {
                    await writer.WriteLineAsync(enrollment.SecretBase32);
                }
            }

            Console.WriteLine($"Account {enrollment.Account.Subject} ({Common.Printable(enrollment.Account.DisplayName)}) ready"
                + (parse.GetValue(totpOut) is { } written ? $"; one-time code secret in {written.FullName}" : ""));
            return 0;
        }));
        return command;
    }
}
