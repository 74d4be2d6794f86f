using OpenMss.Testing.Sasl;

namespace OpenMss.Imap.Tests.Server;

/// <summary>
/// The shared table of SASL responses (<see cref="SaslCases"/>) against the IMAP server over real
/// TLS; the SMTP submission tests run the same table, so both servers accept and refuse the same inputs.
/// </summary>
public class SaslCaseTests
{
    private static readonly SaslAccount Account = new(ImapHarness.User, ImapHarness.Password, ImapHarness.Token, ImapHarness.Address, TestAuthenticator.OrgAddress, "someone.else@medecin.mssante.fr");

    [Theory]
    [MemberData(nameof(SaslCases.Names), MemberType = typeof(SaslCases))]
    public async Task Imap_gives_each_SASL_response_the_shared_outcome(string name)
    {
        var sasl = SaslCases.Get(name);
        await using var harness = await ImapHarness.StartAsync();
        await harness.Store.CreateMailboxAsync(new OpenMss.Storage.NewMailbox(TestAuthenticator.OrgAddress, OpenMss.Core.MailboxKind.Organisational, "Pharmacie", "10B0123456"));
        using var client = await harness.ConnectRawAsync();

        var response = sasl.Response(Account);
        if (sasl.AfterChallenge)
        {
            await client.SendAsync("a1 AUTHENTICATE " + sasl.Mechanism + "\r\n");
            Assert.Equal("+ ", await client.ReadLineAsync());
            await client.SendAsync(response + "\r\n");
        }
        else
        {
            await client.SendAsync("a1 AUTHENTICATE " + sasl.Mechanism + " " + response + "\r\n");
        }

        string reply;
        while (true)
        {
            reply = await client.ReadLineAsync() ?? throw new IOException("connection closed during AUTHENTICATE");
            if (reply.StartsWith("+ ", StringComparison.Ordinal))
            {
                // RFC 7628 §3.2.2: the error challenge of a refused token, acknowledged with %x01.
                await client.SendAsync("AQ==\r\n");
            }
            else if (reply.StartsWith("a1 ", StringComparison.Ordinal))
            {
                break;
            }
        }

        var outcome = reply.Split(' ')[1] switch
        {
            "OK" => SaslOutcome.Accepted,
            "NO" => SaslOutcome.Refused,
            "BAD" => SaslOutcome.Malformed,
            _ => throw new Xunit.Sdk.XunitException($"unexpected reply {reply}"),
        };
        Assert.True(sasl.Expected == outcome, $"{name}: expected {sasl.Expected}, the server answered {reply}");
        if (outcome == SaslOutcome.Malformed)
        {
            Assert.Equal(0, harness.Authenticator.Attempts);
        }

        // The session goes on after a refusal, as after a success.
        Assert.StartsWith("a2 OK", (await client.CommandAsync("a2", "NOOP"))[^1], StringComparison.Ordinal);
    }
}
