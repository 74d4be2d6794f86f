using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using OpenMss.Identity.Tests.Support;
using OpenMss.Identity.Validation;

namespace OpenMss.Identity.Tests;

public sealed class RestartTests
{
    [Fact]
    public async Task Tokens_issued_before_a_restart_stay_valid_after_it()
    {
        var directory = Path.Combine(Path.GetTempPath(), "openmss-identity-" + Guid.NewGuid().ToString("N")[..12]);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        try
        {
            string accessToken;
            string refreshToken;
            string kid;
            IPEndPoint endPoint;
            TestAccount account;
            await using (var first = await IdentityTestHost.StartAsync(directory: directory, time: time))
            {
                account = await first.CreateAccountAsync();
                var reply = await first.PasswordGrantAsync(account);
                accessToken = reply.AccessToken;
                refreshToken = reply.RefreshToken!;
                kid = await KidAsync(first);
                endPoint = first.Provider.EndPoint;

                // The private keys are readable by their owner only.
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(first.Provider.SigningKeyPath));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory, "encryption-key.pem")));
            }

            // Same folder and port, so the same issuer.
            await using var second = await IdentityTestHost.StartAsync(options => options.ListenEndPoint = endPoint, directory: directory, time: time);
            Assert.Equal(kid, await KidAsync(second));
            using var validator = second.Validator();
            var check = await validator.ValidateAsync(accessToken);
            Assert.True(check.IsValid, check.Failure);
            Assert.Equal(account.Subject, check.Subject);

            // Accounts, used codes and refresh tokens survived as well.
            Assert.NotNull(await second.Provider.Accounts.FindAsync(account.Rpps));
            Assert.Equal("invalid_grant", (await second.PasswordGrantAsync(account)).Error);
            var refreshed = await second.PostTokenAsync(new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["client_id"] = IdentityTestHost.MailClient,
                ["refresh_token"] = refreshToken,
            });
            Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        }
        finally
        {
            IdentityTestHost.DeleteDirectory(directory);
        }
    }

    private static async Task<string> KidAsync(IdentityTestHost host)
    {
        using var jwks = JsonDocument.Parse(await host.Http.GetStringAsync(".well-known/jwks"));
        return jwks.RootElement.GetProperty("keys")[0].GetProperty("kid").GetString()!;
    }
}
