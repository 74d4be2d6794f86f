namespace OpenMss.Imap.Tests.Server;

/// <summary>
/// Two sessions on one folder over real TLS: each sees the other's flag changes, expunges, moves
/// and the new messages, in RFC 3501 order (EXPUNGE, then FETCH with the new numbers, then EXISTS)
/// and never its own changes twice.
/// </summary>
public sealed class ConcurrentSessionTests
{
    [Fact]
    public async Task Each_session_sees_the_others_changes_with_its_own_sequence_numbers()
    {
        await using var harness = await ImapHarness.StartAsync();
        for (var i = 1; i <= 5; i++)
        {
            await harness.DeliverAsync($"Compte rendu {i}");
        }

        using var a = await harness.ConnectRawAsync();
        using var b = await harness.ConnectRawAsync();
        foreach (var (client, tag) in new[] { (a, "a"), (b, "b") })
        {
            await client.CommandAsync(tag + "1", $"LOGIN {ImapHarness.User} \"{ImapHarness.Password}\"");
            Assert.Contains("* 5 EXISTS", await client.CommandAsync(tag + "2", "SELECT INBOX"));
        }

        // B flags message 2, deletes and expunges message 4; then a sixth message arrives.
        Assert.Equal(["* 2 FETCH (FLAGS (\\Flagged))"], Untagged(await b.CommandAsync("b3", "STORE 2 +FLAGS (\\Flagged)")));
        Assert.Equal(["* 4 FETCH (UID 4 FLAGS (\\Deleted))"], Untagged(await b.CommandAsync("b4", "UID STORE 4 +FLAGS (\\Deleted)")));
        Assert.Equal(["* 4 EXPUNGE"], Untagged(await b.CommandAsync("b5", "EXPUNGE")));
        await harness.DeliverAsync("Compte rendu 6");

        // A still numbers 1..5 until told: the expunge first, then the flag with the new number, then the arrival.
        Assert.Equal(["* 4 EXPUNGE", "* 2 FETCH (UID 2 FLAGS (\\Flagged))", "* 5 EXISTS"], Untagged(await a.CommandAsync("a3", "NOOP")));
        Assert.Equal(["* 4 FETCH (UID 5)", "* 5 FETCH (UID 6)"], Untagged(await a.CommandAsync("a4", "FETCH 4:* (UID)")));
        Assert.Equal(["* SEARCH 2"], Untagged(await a.CommandAsync("a5", "SEARCH FLAGGED")));
        Assert.Equal(["* 2 FETCH (FLAGS (\\Flagged))", "* 3 FETCH (FLAGS ())"], Untagged(await a.CommandAsync("a6", "FETCH 2:3 (FLAGS)")));

        // B is told of the arrival only: its own flag change and expunge are not repeated.
        Assert.Equal(["* 5 EXISTS"], Untagged(await b.CommandAsync("b6", "NOOP")));
        Assert.Empty(Untagged(await b.CommandAsync("b7", "NOOP")));

        // A moves message 3 (UID 3) away and marks message 1 seen; B, idling, hears both.
        await b.SendAsync("b8 IDLE\r\n");
        Assert.StartsWith("+ ", await b.ReadLineAsync(), StringComparison.Ordinal);
        var move = Untagged(await a.CommandAsync("a7", "MOVE 3 Sent"));
        Assert.Equal("* 3 EXPUNGE", move[^1]);
        Assert.Equal(["* 1 FETCH (FLAGS (\\Seen))"], Untagged(await a.CommandAsync("a8", "STORE 1 +FLAGS (\\Seen)")));
        var heard = new List<string>();
        while (!heard.Any(l => l.Contains("FETCH", StringComparison.Ordinal)))
        {
            heard.Add(await b.ReadLineAsync() ?? throw new IOException("closed"));
        }

        await b.SendAsync("DONE\r\n");
        heard.AddRange(Untagged(await b.ReadUntilTaggedAsync("b8")));
        Assert.Equal(["* 3 EXPUNGE", "* 1 FETCH (UID 1 FLAGS (\\Seen))"], heard);
        Assert.Empty(Untagged(await a.CommandAsync("a9", "NOOP")));
        Assert.Equal(["* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)", "* 3 FETCH (UID 5)", "* 4 FETCH (UID 6)"], Untagged(await b.CommandAsync("b9", "FETCH 1:* (UID)")));
        Assert.Equal(["* SEARCH 1 2 5 6"], Untagged(await a.CommandAsync("c1", "UID SEARCH ALL")));
    }

    private static List<string> Untagged(List<string> lines) => lines[..^1];
}
