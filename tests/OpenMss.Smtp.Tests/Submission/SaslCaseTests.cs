using OpenMss.Smtp.Tests.Support;
using OpenMss.Testing.Sasl;
using static OpenMss.Smtp.Tests.Submission.SubmissionHarness;

namespace OpenMss.Smtp.Tests.Submission;

/// <summary>
/// The shared table of SASL responses (<see cref="SaslCases"/>) against the submission service over
/// real TLS; the IMAP tests run the same table, so both servers accept and refuse the same inputs.
/// </summary>
public class SaslCaseTests
{
    private static readonly SaslAccount Account = new("810000000001", TestAuthenticator.AnnePassword, TestAuthenticator.AnneToken, Anne, Pharmacy, Martin);

    [Theory]
    [MemberData(nameof(SaslCases.Names), MemberType = typeof(SaslCases))]
    public async Task Submission_gives_each_SASL_response_the_shared_outcome(string name)
    {
        var sasl = SaslCases.Get(name);
        await using var harness = await StartAsync();
        using var client = harness.ConnectTls();

        var response = sasl.Response(Account);
        var reply = sasl.AfterChallenge
            ? Respond(client.Send("AUTH " + sasl.Mechanism).Expect("334 "), client, response)
            : client.Send("AUTH " + sasl.Mechanism + " " + response).Read();
        if (reply.Code == 334)
        {
            // RFC 7628 §3.2.2: the error challenge of a refused token, acknowledged with %x01.
            reply = client.Send("AQ==").Read();
        }

        var outcome = reply.Code switch
        {
            235 => SaslOutcome.Accepted,
            535 => SaslOutcome.Refused,
            500 or 501 => SaslOutcome.Malformed,
            _ => throw new Xunit.Sdk.XunitException($"unexpected reply {reply}"),
        };
        Assert.True(sasl.Expected == outcome, $"{name}: expected {sasl.Expected}, the server answered {reply}");
        if (outcome == SaslOutcome.Malformed)
        {
            Assert.Equal(0, harness.Authenticator.Attempts);
        }

        // The session goes on after a refusal, as after a success.
        client.Send("NOOP").Expect("250");
    }

    private static SmtpResponse Respond(SmtpResponse challenge, SmtpTestClient client, string response)
    {
        Assert.Equal("334 ", challenge.Lines[0]);
        return client.Send(response).Read();
    }
}
