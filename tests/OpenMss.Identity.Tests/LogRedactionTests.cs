using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using OpenMss.Identity.SignIn;
using OpenMss.Identity.Tests.Support;
using OpenMss.Identity.Validation;

namespace OpenMss.Identity.Tests;

public sealed partial class LogRedactionTests
{
    [Theory]
    [InlineData(LogLevel.Warning)]
    [InlineData(LogLevel.Information)]
    public async Task No_password_code_or_token_reaches_the_logs_and_every_attempt_is_audited(LogLevel frameworkLevel)
    {
        await using var host = await IdentityTestHost.StartAsync(options => options.FrameworkLogLevel = frameworkLevel);
        var account = await host.CreateAccountAsync();
        var secrets = new List<string> { account.Password, account.Secret };

        var wrongPassword = "Faux-" + account.Password;
        secrets.Add(wrongPassword);
        var failedCode = host.Code(account);
        await host.PasswordGrantAsync(account.Rpps, wrongPassword, failedCode);
        var goodCode = host.Code(account, +1);
        secrets.Add(goodCode);
        var reply = await host.PasswordGrantAsync(account, goodCode);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        secrets.Add(reply.AccessToken);
        secrets.Add(reply.RefreshToken!);
        secrets.Add(reply.AccessToken.Split('.')[2]);

        var refreshed = await host.PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = IdentityTestHost.MailClient,
            ["refresh_token"] = reply.RefreshToken!,
        });
        secrets.Add(refreshed.AccessToken);
        secrets.Add(refreshed.RefreshToken!);

        // A mistyped password in the identifier field must not be logged either.
        await host.PasswordGrantAsync(account.Password, account.Password, "123456");

        var validatorLogs = new CapturingLoggerProvider();
        using var validatorFactory = validatorLogs.CreateFactory();
        using (var validator = new AccessTokenValidator(host.Provider.Issuer, logger: validatorFactory.CreateLogger<AccessTokenValidator>()))
        {
            Assert.True((await validator.ValidateAsync(reply.AccessToken)).IsValid);
            Assert.False((await validator.ValidateAsync(reply.AccessToken[..^4] + "AAAA")).IsValid);
        }

        var logs = host.Logs.AllText() + "\n" + validatorLogs.AllText();
        if (frameworkLevel == LogLevel.Information)
        {
            // The verbose run did log the token requests, so the absence below means something.
            Assert.Contains(host.Logs.Lines, l => l.Category.StartsWith("OpenIddict", StringComparison.Ordinal) && l.Message.Contains("grant_type", StringComparison.Ordinal));
        }

        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }

        // A six-digit one-time code never appears next to "otp" or as a value.
        Assert.DoesNotMatch(OtpValue(), logs);

        var audit = host.Logs.Lines.Where(l => l.Category == SignInAuditLog.LoggerCategory).ToList();
        Assert.Contains(audit, l => l.Message.Contains("success", StringComparison.Ordinal) && l.Message.Contains(account.Subject, StringComparison.Ordinal));
        Assert.Contains(audit, l => l.Message.Contains("failure", StringComparison.Ordinal) && l.Message.Contains("127.0.0.1", StringComparison.Ordinal));
        Assert.Contains(audit, l => l.Message.Contains("(invalid identifier)", StringComparison.Ordinal));
        Assert.Equal(4, (await host.Provider.Audit.QueryAsync()).Count);
    }

    [GeneratedRegex("otp\\W{0,5}\\d{6}", RegexOptions.IgnoreCase)]
    private static partial Regex OtpValue();
}
