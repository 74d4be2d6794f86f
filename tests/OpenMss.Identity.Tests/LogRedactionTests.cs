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
        using (var validator = host.Validator(logger: validatorFactory.CreateLogger<AccessTokenValidator>()))
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

    [Fact]
    public async Task Lockouts_introspection_and_disabled_accounts_log_no_secret_even_at_trace()
    {
        // OpenMss categories are captured at Trace; the framework at the most verbose level the provider allows.
        await using var host = await IntrospectionTests.StartHttpsAsync(options => options.FrameworkLogLevel = LogLevel.Trace);
        var account = await host.CreateAccountAsync();
        var secrets = new List<string>
        {
            account.Password,
            account.Secret,
            IntrospectionTests.MailServerCredentials,
            Convert.ToBase64String(await File.ReadAllBytesAsync(host.Provider.SecretsKeyPath)),
            Convert.ToHexString(await File.ReadAllBytesAsync(host.Provider.SecretsKeyPath)),
        };

        // Failures up to a lockout, then the right credentials refused while locked.
        for (var i = 0; i < 5; i++)
        {
            var wrong = "Faux-" + i + "-" + account.Password;
            secrets.Add(wrong);
            await host.PasswordGrantAsync(account.Rpps, wrong, host.Code(account));
        }

        var lockedCode = host.Code(account);
        secrets.Add(lockedCode);
        Assert.StartsWith("Trop de tentatives", (await host.PasswordGrantAsync(account, lockedCode)).ErrorDescription, StringComparison.Ordinal);
        host.Time.Advance(TimeSpan.FromMinutes(2));

        var code = host.Code(account);
        secrets.Add(code);
        var reply = await host.PasswordGrantAsync(account, code);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        secrets.Add(reply.AccessToken);
        secrets.Add(reply.AccessToken.Split('.')[2]);
        secrets.Add(reply.RefreshToken!);

        var validatorLogs = new CapturingLoggerProvider();
        using var validatorFactory = validatorLogs.CreateFactory();
        using (var validator = IntrospectionTests.Introspecting(host, TimeSpan.Zero, validatorFactory.CreateLogger<AccessTokenValidator>()))
        {
            Assert.True((await validator.ValidateAsync(reply.AccessToken)).IsValid);
            await host.Provider.Accounts.SetEnabledAsync(account.Rpps, enabled: false);
            Assert.Equal("token inactive", (await validator.ValidateAsync(reply.AccessToken)).Failure);
        }

        const string wrongSecret = "mauvais-secret-de-serveur-imap";
        secrets.Add(wrongSecret);
        secrets.Add(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("imap-server:" + wrongSecret)));
        secrets.Add(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("imap-server:" + IntrospectionTests.MailServerCredentials)));
        using (var failing = new AccessTokenValidator(new AccessTokenValidatorOptions
        {
            Issuer = host.Provider.Issuer,
            TrustAnchor = OpenMss.Testing.TestPki.Anchor,
            IntrospectionClientId = "imap-server",
            IntrospectionClientSecret = wrongSecret,
        }, validatorFactory.CreateLogger<AccessTokenValidator>()))
        {
            Assert.Equal("introspection unavailable", (await failing.ValidateAsync(reply.AccessToken)).Failure);
        }

        var disabledCode = host.Code(account, +1);
        secrets.Add(disabledCode);
        Assert.Equal("invalid_grant", (await host.PasswordGrantAsync(account, disabledCode)).Error);

        var logs = host.Logs.AllText() + "\n" + validatorLogs.AllText();
        Assert.Contains(host.Logs.Lines, l => l.Category.StartsWith("OpenIddict", StringComparison.Ordinal) && l.Message.Contains("introspection", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(validatorLogs.Lines, l => l.Level == LogLevel.Debug && l.Message.Contains("token inactive", StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }

        var sealedSecret = await SecretsAtRestTests.ScalarAsync(host.Directory, $"SELECT totp_secret FROM identity_accounts WHERE subject = '{account.Subject}'");
        Assert.DoesNotContain(sealedSecret["enc1:".Length..], logs, StringComparison.Ordinal);
        Assert.DoesNotMatch(OtpValue(), logs);
        Assert.Contains(await host.Provider.Audit.QueryAsync(account.Subject), a => a.Reason == "account_disabled");
    }

    [GeneratedRegex("otp\\W{0,5}\\d{6}", RegexOptions.IgnoreCase)]
    private static partial Regex OtpValue();
}
