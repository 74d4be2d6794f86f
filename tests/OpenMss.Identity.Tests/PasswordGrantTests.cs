using System.Net;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenMss.Identity.Tests.Support;
using OpenMss.Identity.Validation;

namespace OpenMss.Identity.Tests;

public sealed class PasswordGrantTests
{
    private const string GenericError = "Identifiant, mot de passe ou code incorrect.";

    [Fact]
    public async Task Rpps_password_and_code_give_a_jwt_whose_subject_is_the_idnat_ps()
    {
        await using var host = await IdentityTestHost.StartAsync();
        var account = await host.CreateAccountAsync("Dr Jeanne Martin");

        var reply = await host.PasswordGrantAsync(account);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("Bearer", reply.Json.GetProperty("token_type").GetString());
        Assert.False(string.IsNullOrEmpty(reply.RefreshToken));
        Assert.True(reply.Json.TryGetProperty("id_token", out _));

        var jwt = new JsonWebToken(reply.AccessToken);
        Assert.Equal(account.Subject, jwt.Subject);
        Assert.StartsWith("8", jwt.Subject, StringComparison.Ordinal);
        Assert.Equal(12, jwt.Subject.Length);
        Assert.Contains(IdentityProtocol.MailAudience, jwt.Audiences);
        Assert.Equal("Dr Jeanne Martin", jwt.GetPayloadValue<string>("name"));
        Assert.Equal(account.Rpps, jwt.GetPayloadValue<string>("rpps"));
        Assert.Equal(host.Provider.Issuer.AbsoluteUri, jwt.Issuer);
        Assert.Contains("mail", jwt.GetPayloadValue<string>("scope").Split(' '));

        using var validator = host.Validator();
        var check = await validator.ValidateAsync(reply.AccessToken);
        Assert.True(check.IsValid, check.Failure);
        Assert.Equal(account.Subject, check.Subject);
        Assert.Equal(account.Rpps, check.Rpps);
        Assert.Equal("Dr Jeanne Martin", check.Name);
        Assert.Equal(IdentityTestHost.MailClient, check.ClientId);
        Assert.Equal(account.Subject, check.Professional?.Value);
        Assert.InRange(check.Expires!.Value, DateTimeOffset.UtcNow.AddMinutes(55), DateTimeOffset.UtcNow.AddMinutes(61));

        var audit = await host.Provider.Audit.QueryAsync(account.Subject);
        var entry = Assert.Single(audit);
        Assert.Equal("success", entry.Result);
        Assert.Equal("password_grant", entry.Method);
        Assert.Equal("127.0.0.1", entry.ClientAddress);
        Assert.Equal(IdentityTestHost.MailClient, entry.ClientId);
    }

    [Fact]
    public async Task Every_wrong_factor_gets_the_same_generic_error()
    {
        await using var host = await IdentityTestHost.StartAsync();
        var account = await host.CreateAccountAsync();
        var other = await host.CreateAccountAsync();

        var wrongPassword = await host.PasswordGrantAsync(account.Rpps, account.Password + "x", host.Code(account));
        var wrongCode = await host.PasswordGrantAsync(account.Rpps, account.Password, WrongCode(host.Code(account)));
        var unknown = await host.PasswordGrantAsync(TestIdentifiers.NewRpps(), account.Password, host.Code(account));
        var badKey = await host.PasswordGrantAsync(TestIdentifiers.WithWrongKey(account.Rpps), account.Password, host.Code(account));

        var code = host.Code(other);
        var first = await host.PasswordGrantAsync(other, code);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        var replayed = await host.PasswordGrantAsync(other, code);
        var earlierStep = await host.PasswordGrantAsync(other, host.Code(other, -1));

        foreach (var reply in new[] { wrongPassword, wrongCode, unknown, badKey, replayed, earlierStep })
        {
            Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
            Assert.Equal("invalid_grant", reply.Error);
            Assert.Equal(GenericError, reply.ErrorDescription);
            Assert.False(reply.Json.TryGetProperty("access_token", out _));
        }

        // The audit knows which factor failed; the person signing in does not.
        var reasons = (await host.Provider.Audit.QueryAsync()).Where(a => a.Result == "failure").Select(a => a.Reason).ToList();
        Assert.Contains("wrong_password", reasons);
        Assert.Contains("wrong_code", reasons);
        Assert.Contains("unknown_account", reasons);
        Assert.Contains("invalid_identifier", reasons);
        Assert.Equal(2, reasons.Count(r => r == "replayed_code"));
    }

    [Fact]
    public async Task Codes_of_the_neighbouring_steps_are_accepted_and_others_are_not()
    {
        await using var host = await IdentityTestHost.StartAsync();
        var early = await host.CreateAccountAsync();
        var late = await host.CreateAccountAsync();
        var tooLate = await host.CreateAccountAsync();

        Assert.Equal(HttpStatusCode.OK, (await host.PasswordGrantAsync(early, host.Code(early, -1))).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.PasswordGrantAsync(late, host.Code(late, +1))).Status);
        Assert.Equal("invalid_grant", (await host.PasswordGrantAsync(tooLate, host.Code(tooLate, -3))).Error);
    }

    [Fact]
    public async Task The_identifier_may_be_typed_as_the_idnat_ps()
    {
        await using var host = await IdentityTestHost.StartAsync();
        var account = await host.CreateAccountAsync();

        var reply = await host.PasswordGrantAsync(account.Subject, account.Password, host.Code(account));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(account.Subject, new JsonWebToken(reply.AccessToken).Subject);
    }

    [Fact]
    public async Task A_client_not_flagged_for_the_password_grant_is_refused()
    {
        await using var host = await IdentityTestHost.StartAsync();
        var account = await host.CreateAccountAsync();

        var reply = await host.PasswordGrantAsync(account, clientId: IdentityTestHost.WebClient);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("unauthorized_client", reply.Error);
        Assert.Empty(await host.Provider.Audit.QueryAsync(account.Subject));
    }

    [Fact]
    public async Task A_refresh_token_gives_a_new_access_token_until_the_account_is_deleted()
    {
        await using var host = await IdentityTestHost.StartAsync();
        var account = await host.CreateAccountAsync();
        var first = await host.PasswordGrantAsync(account);

        var refreshed = await host.PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = IdentityTestHost.MailClient,
            ["refresh_token"] = first.RefreshToken!,
        });

        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        Assert.NotEqual(first.AccessToken, refreshed.AccessToken);
        using var validator = host.Validator();
        var check = await validator.ValidateAsync(refreshed.AccessToken);
        Assert.True(check.IsValid, check.Failure);
        Assert.Equal(account.Subject, check.Subject);
        Assert.Contains("mail", check.Scopes);

        Assert.True(await host.Provider.Accounts.DeleteAsync(account.Rpps));
        var afterDeletion = await host.PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = IdentityTestHost.MailClient,
            ["refresh_token"] = refreshed.RefreshToken!,
        });
        Assert.Equal("invalid_grant", afterDeletion.Error);
    }

    [Fact]
    public async Task A_confidential_client_gets_a_token_with_client_credentials()
    {
        await using var host = await IdentityTestHost.StartAsync();

        var reply = await host.PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = IdentityTestHost.ServiceClient,
            ["client_secret"] = IdentityTestHost.ServiceSecret,
            ["scope"] = "mail",
        });
        var wrongSecret = await host.PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = IdentityTestHost.ServiceClient,
            ["client_secret"] = "wrong",
            ["scope"] = "mail",
        });

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        using var validator = host.Validator();
        var check = await validator.ValidateAsync(reply.AccessToken);
        Assert.True(check.IsValid, check.Failure);
        Assert.Equal(IdentityTestHost.ServiceClient, check.Subject);
        Assert.Null(check.Rpps);
        Assert.Null(check.Professional);
        Assert.Equal("invalid_client", wrongSecret.Error);
    }

    private static string WrongCode(string code) => ((int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
}
