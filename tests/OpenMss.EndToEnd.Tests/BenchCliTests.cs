using System.Globalization;
using System.Text.RegularExpressions;
using OpenMss.Testing;
using OpenMss.Trust;

namespace OpenMss.EndToEnd.Tests;

/// <summary>
/// <c>openmss bench relay</c> as an administrator runs it. Each run is for a count of messages, not
/// for a time: what it reports must not depend on how fast or busy the machine is.
/// </summary>
public sealed partial class BenchCliTests
{
    [GeneratedRegex(@"Relay: (\d+) messages in")]
    private static partial Regex MessagesLine();

    private static long Messages(string output)
    {
        var match = MessagesLine().Match(output);
        Assert.True(match.Success, "no result line in: " + output);
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Self_contained_run_reports_the_messages_a_throwaway_operator_accepted()
    {
        var before = System.IO.Directory.GetDirectories(Path.GetTempPath(), "openmss-bench-*").Length;
        var run = await Cli.RunAsync("bench", "relay", "--messages", "20", "--warmup", "0", "--connections", "2", "--size", "2048");

        Assert.True(run.ExitCode == 0, run.Out + run.Err);
        Assert.True(Messages(run.Out) >= 20, run.Out);
        Assert.Contains("messages/s", run.Out, StringComparison.Ordinal);
        Assert.Contains("p99", run.Out, StringComparison.Ordinal);
        // Its trust space and database lived in a temporary folder that is gone.
        Assert.True(System.IO.Directory.GetDirectories(Path.GetTempPath(), "openmss-bench-*").Length <= before);
    }

    [Fact]
    public async Task Self_contained_run_on_postgres_drops_the_database_it_created()
    {
        var server = await PostgresServer.GetAsync();
        var run = await Cli.RunAsync("bench", "relay", "--postgres", server.AdminConnectionString,
            "--messages", "20", "--warmup", "0", "--connections", "2", "--size", "2048");

        Assert.True(run.ExitCode == 0, run.Out + run.Err);
        Assert.True(Messages(run.Out) >= 20, run.Out);
        Assert.Contains("PostgreSQL", run.Out, StringComparison.Ordinal);
        await using var connection = new Npgsql.NpgsqlConnection(server.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname LIKE 'openmss_bench_%'", connection);
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
    }

    [Theory]
    [InlineData("--connections", "0", "connections")]
    [InlineData("--seconds", "-1", "--seconds")]
    [InlineData("--size", "10", "size")]
    [InlineData("--messages", "0", "messages")]
    public async Task An_out_of_range_value_is_one_error_line_and_exit_code_1(string option, string value, string named)
    {
        var run = await Cli.RunAsync("bench", "relay", option, value);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("openmss: ", run.Err, StringComparison.Ordinal);
        Assert.Contains(named, run.Err, StringComparison.Ordinal);
        Assert.Single(run.Err.Trim().Split('\n'));
        Assert.DoesNotContain("Relay:", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Target_run_loads_a_running_operator_whose_mailbox_then_holds_the_messages()
    {
        await using var space = await TwoOperators.StartAsync();
        var a = Path.Combine(space.Root.FullName, "a");
        var run = await Cli.RunAsync("bench", "relay", "--target", $"127.0.0.1:{space.B!.RelayEndPoint.Port}",
            "--cert", Path.Combine(a, "operator.pem"), "--key", Path.Combine(a, "operator.key"), "--anchor", space.TrustAnchorPath,
            "--to-domain", TwoOperators.DoctorDomain, "--to", TwoOperators.Doctor, "--from", TwoOperators.Pharmacist,
            "--messages", "10", "--warmup", "0", "--connections", "1", "--size", "1024");

        Assert.True(run.ExitCode == 0, run.Out + run.Err);
        var counted = Messages(run.Out);
        Assert.True(counted >= 10, run.Out);
        // 250 after DATA means stored: every counted message is in the doctor's INBOX already.
        var mailbox = await space.B.Store.FindMailboxAsync(TwoOperators.Doctor);
        var inbox = await space.B.Store.FindFolderAsync(mailbox!.Id, "INBOX");
        var stored = await space.B.Store.ListMessagesAsync(inbox!.Id);
        Assert.True(stored.Count >= counted, $"{stored.Count} stored, {counted} reported");
        var first = await space.B.Store.ReadMessageAsync(inbox.Id, stored[0].Uid);
        Assert.Contains("Subject: bench", System.Text.Encoding.ASCII.GetString(first!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Target_run_refuses_a_server_not_issued_by_the_given_anchor()
    {
        await using var space = await TwoOperators.StartAsync();
        using var other = CertificateAuthority.Create("Another Authority");
        var otherAnchor = Path.Combine(space.Root.FullName, "other-ca.pem");
        await File.WriteAllTextAsync(otherAnchor, other.Certificate.ExportCertificatePem());
        var a = Path.Combine(space.Root.FullName, "a");
        var run = await Cli.RunAsync("bench", "relay", "--target", $"127.0.0.1:{space.B!.RelayEndPoint.Port}",
            "--cert", Path.Combine(a, "operator.pem"), "--key", Path.Combine(a, "operator.key"), "--anchor", otherAnchor,
            "--to", TwoOperators.Doctor, "--messages", "10", "--warmup", "0", "--connections", "1");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("TLS", run.Err, StringComparison.Ordinal);
        var mailbox = await space.B.Store.FindMailboxAsync(TwoOperators.Doctor);
        var inbox = await space.B.Store.FindFolderAsync(mailbox!.Id, "INBOX");
        Assert.Empty(await space.B.Store.ListMessagesAsync(inbox!.Id));
    }
}
