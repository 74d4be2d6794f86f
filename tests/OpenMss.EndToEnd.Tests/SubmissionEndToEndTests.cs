using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using OpenMss.Demo;
using OpenMss.Identity.Accounts;
using OpenMss.Storage;

namespace OpenMss.EndToEnd.Tests;

/// <summary>
/// A pharmacy team member sends through the demo's submission service, as Thunderbird or the
/// pharmacy's software would: password or access token from the identity provider, as
/// themself or on behalf of the pharmacy's shared mailbox.
/// </summary>
public sealed class SubmissionEndToEndTests : DemoTestBase
{
    private const string Org = "pharmacie.centrale@pharmacien.mssante.fr";
    private const string Doctor = "jean.dupont@medecin.mssante.fr";
    [Fact]
    public async Task A_technician_sends_on_behalf_of_the_pharmacy_and_the_doctor_sees_who_wrote()
    {
        var technician = Account("technician");
        using var client = await ConnectAsync();
        await client.AuthenticateAsync(new SaslMechanismPlain(new NetworkCredential(technician.GetProperty("login").GetString(), technician.GetProperty("password").GetString()))
        {
            AuthorizationId = Org,
        });
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(Org));
        message.To.Add(MailboxAddress.Parse(Doctor));
        message.Subject = "Renouvellement";
        message.Body = new TextPart("plain") { Text = "Bonjour Docteur, l'ordonnance est prête." };
        await client.SendAsync(message);
        await client.DisconnectAsync(true);

        var doctorStore = Demo.Operators[1].Store;
        var received = MimeMessage.Load(new MemoryStream((await TwoOperators.WaitForInboxAsync(doctorStore, Doctor))[0]));
        Assert.Equal(Org, ((MailboxAddress)received.From[0]).Address);
        Assert.Equal("lea.petit@pharmacien.mssante.fr", received.Sender?.Address);

        var pharmacy = Demo.Operators[0].Store;
        var org = await pharmacy.FindMailboxAsync(Org);
        var sent = await pharmacy.FindFolderAsync(org!.Id, "Sent");
        Assert.Single(await pharmacy.ListMessagesAsync(sent!.Id));
        var audit = await pharmacy.QueryAuditAsync(new AuditQuery(Mailbox: Org));
        Assert.Contains(audit, e => e.Action == "send" && e.Result == "ok" && e.Actor == technician.GetProperty("idNatPs").GetString());
    }

    [Fact]
    public async Task A_pharmacist_with_an_access_token_sends_and_a_doctor_cannot_send_as_the_pharmacy()
    {
        var pharmacist = Account("pharmacist");
        var token = await AccessTokenAsync(pharmacist);
        using (var client = await ConnectAsync())
        {
            await client.AuthenticateAsync(new SaslMechanismOAuth2(pharmacist.GetProperty("login").GetString()!, token));
            var message = new MimeMessage();
            var from = pharmacist.GetProperty("mailboxes")[0].GetProperty("address").GetString()!;
            message.From.Add(MailboxAddress.Parse(from));
            message.To.Add(MailboxAddress.Parse(Doctor));
            message.Subject = "Question";
            message.Body = new TextPart("plain") { Text = "Bonjour" };
            await client.SendAsync(message);
        }

        await TwoOperators.WaitForInboxAsync(Demo.Operators[1].Store, Doctor);

        // The doctor's credentials are good, but the pharmacy's mailbox is not his.
        var doctor = Account("doctor");
        using var other = await ConnectAsync();
        await other.AuthenticateAsync(new NetworkCredential(doctor.GetProperty("login").GetString(), doctor.GetProperty("password").GetString()));
        var forged = new MimeMessage();
        forged.From.Add(MailboxAddress.Parse(Org));
        forged.To.Add(MailboxAddress.Parse(Doctor));
        forged.Body = new TextPart("plain") { Text = "x" };
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => other.SendAsync(forged));
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, refused.StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_and_authentication_without_tls_is_not_offered()
    {
        var pharmacist = Account("pharmacist");
        using (var client = await ConnectAsync())
        {
            await Assert.ThrowsAsync<AuthenticationException>(() =>
                client.AuthenticateAsync(new NetworkCredential(pharmacist.GetProperty("login").GetString(), "mauvais-mot-de-passe")));
        }

        using var plain = new SmtpClient();
        var endpoint = Endpoint("submission");
        await plain.ConnectAsync(endpoint.Address.ToString(), endpoint.Port, SecureSocketOptions.None);
        Assert.False(plain.Capabilities.HasFlag(SmtpCapabilities.Authentication));
    }

    [Fact]
    public async Task A_technician_removed_from_the_pharmacy_mailbox_can_no_longer_use_it()
    {
        var technician = Account("technician");
        var config = Contract.GetProperty("operators")[0].GetProperty("config").GetString()!;
        var listed = await Cli.RunAsync("mailbox", "members", "list", "--config", config, Org);
        Assert.Contains(technician.GetProperty("idNatPs").GetString()!, listed.Out, StringComparison.Ordinal);

        var removed = await Cli.RunAsync("mailbox", "members", "remove", "--config", config, Org, "--member", technician.GetProperty("rpps").GetString()!);
        Assert.True(removed.ExitCode == 0, removed.Err);

        using var client = await ConnectAsync();
        var refused = await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(
            new SaslMechanismPlain(new NetworkCredential(technician.GetProperty("login").GetString(), technician.GetProperty("password").GetString()))
            {
                AuthorizationId = Org,
            }));
        var audit = await Demo.Operators[0].Store.QueryAuditAsync(new AuditQuery(Mailbox: Org));
        Assert.Contains(audit, e => e.Action == "member.remove");
    }

    [Fact]
    public async Task A_mail_client_configures_itself_from_an_address()
    {
        var web = new Uri(Contract.GetProperty("operators")[0].GetProperty("web").GetString()!);
        using var http = TrustingClient();
        http.BaseAddress = web;
        var xml = System.Xml.Linq.XDocument.Parse(await http.GetStringAsync("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=claire.martin@pharmacien.mssante.fr"));
        var smtp = xml.Descendants("outgoingServer").Select(e => (Port: int.Parse(e.Element("port")!.Value), Socket: e.Element("socketType")!.Value)).ToList();
        Assert.Contains((Endpoint("submissionTls").Port, "SSL"), smtp);
        Assert.Contains((Endpoint("submission").Port, "STARTTLS"), smtp);
        Assert.Contains(xml.Descendants("authentication"), e => e.Value == "OAuth2");

        var foreign = await http.GetAsync("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=x@example.org");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal("application/problem+json", foreign.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Tokens_already_issued_stop_working_once_the_account_is_disabled()
    {
        var pharmacist = Account("pharmacist");
        var login = pharmacist.GetProperty("login").GetString()!;
        var (used, refresh) = await TokensAsync(pharmacist);
        var unused = await RefreshAsync(refresh);
        using (var client = await ConnectAsync())
        {
            await client.AuthenticateAsync(new SaslMechanismOAuth2(login, used));
        }

        // The professional leaves: the identity provider's administrator disables the account.
        Assert.True(await Demo.Identity.Accounts.SetEnabledAsync(pharmacist.GetProperty("rpps").GetString()!, false));

        // A token the mail server never saw is asked about at once (RFC 7662) and refused.
        using var refused = await ConnectAsync();
        var error = await Assert.ThrowsAsync<AuthenticationException>(() => refused.AuthenticateAsync(new SaslMechanismOAuth2(login, unused)));
        Assert.DoesNotContain(unused, error.Message, StringComparison.Ordinal);
    }

    private async Task<SmtpClient> ConnectAsync()
    {
        var client = new SmtpClient
        {
            ServerCertificateValidationCallback = TrustAnchorValidation(),
        };
        var endpoint = Endpoint("submissionTls");
        await client.ConnectAsync(endpoint.Address.ToString(), endpoint.Port, SecureSocketOptions.SslOnConnect);
        return client;
    }

    private async Task<(string Access, string Refresh)> TokensAsync(JsonElement account)
    {
        var body = await TokenRequestAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = Contract.GetProperty("identity").GetProperty("mailClientId").GetString()!,
            ["username"] = account.GetProperty("login").GetString()!,
            ["password"] = account.GetProperty("password").GetString()!,
            ["otp"] = OneTimeCodes.Compute(account.GetProperty("totpSecret").GetString()!, DateTimeOffset.UtcNow),
            ["scope"] = "openid mail offline_access",
        });
        return (body.GetProperty("access_token").GetString()!, body.GetProperty("refresh_token").GetString()!);
    }

    private async Task<string> RefreshAsync(string refreshToken)
    {
        var body = await TokenRequestAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = Contract.GetProperty("identity").GetProperty("mailClientId").GetString()!,
            ["refresh_token"] = refreshToken,
        });
        return body.GetProperty("access_token").GetString()!;
    }

    private async Task<JsonElement> TokenRequestAsync(Dictionary<string, string> form)
    {
        using var http = TrustingClient();
        var response = await http.PostAsync(new Uri(new Uri(Contract.GetProperty("identity").GetProperty("issuer").GetString()!), "connect/token"), new FormUrlEncodedContent(form));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body;
    }

    private async Task<string> AccessTokenAsync(JsonElement account)
    {
        using var http = TrustingClient();
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = Contract.GetProperty("identity").GetProperty("mailClientId").GetString()!,
            ["username"] = account.GetProperty("login").GetString()!,
            ["password"] = account.GetProperty("password").GetString()!,
            ["otp"] = OneTimeCodes.Compute(account.GetProperty("totpSecret").GetString()!, DateTimeOffset.UtcNow),
            ["scope"] = "openid mail",
        };
        var response = await http.PostAsync(new Uri(new Uri(Contract.GetProperty("identity").GetProperty("issuer").GetString()!), "connect/token"), new FormUrlEncodedContent(form));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body.GetProperty("access_token").GetString()!;
    }
}
