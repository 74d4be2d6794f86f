using System.Net;
using System.Net.Sockets;
using OpenMss.Queue.Tests.Support;
using OpenMss.Storage;
using OpenMss.Testing;
using OpenMss.Trust;

namespace OpenMss.Queue.Tests;

/// <summary>
/// One operator that does not answer, with many messages queued for it, must not hold up the
/// deliveries to the others: deliveries per destination are limited, and once a destination's
/// relays have not answered, its other entries wait without a connection each.
/// </summary>
public sealed class DestinationFairnessTests
{
    private const string RadiologieDomain = "radiologie.mssante.fr";
    private const string Radiologue = "dr.durand@" + RadiologieDomain;

    private static readonly Lazy<System.Security.Cryptography.X509Certificates.X509Certificate2> RadiologieCertificate = new(() =>
        TestPki.Authority.IssueOperatorCertificate("Radiologie", [RadiologieDomain]).Certificate);

    [Fact]
    public async Task A_silent_destination_with_many_messages_does_not_delay_another_destination()
    {
        await using var harness = await QueueHarness.CreateAsync();
        var options = QueueHarness.NewOptions();
        options.WorkerId = "node-a";
        options.MaxConcurrentDeliveries = 2;
        options.MaxConcurrentDeliveriesPerDestination = 1;
        // On the test's clock: the silent relay times out only when the test says so (MailKit's
        // socket timeout, the same value in real time, is far beyond the test's length).
        options.ConnectTimeout = TimeSpan.FromMinutes(10);
        options.PollInterval = TimeSpan.FromMilliseconds(100);
        options.BusyDestinationDelay = TimeSpan.FromMilliseconds(300);
        using var worker = harness.NewWorker(options, harness.Clock);

        // medecin accepts connections and never says a word.
        using var silent = new TcpListener(IPAddress.Loopback, harness.RemotePort);
        silent.Start();
        var silentConnections = 0;
        var held = new List<TcpClient>();
        using var stop = new CancellationTokenSource();
        var acceptLoop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    held.Add(await silent.AcceptTcpClientAsync(stop.Token));
                    Interlocked.Increment(ref silentConnections);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        await using var radiologie = new FakeRemoteOperator(RadiologieCertificate.Value).Start();
        harness.Routes.Set(RadiologieDomain, new RelayEndpoint("127.0.0.1", radiologie.Port));

        for (var i = 0; i < 4; i++)
        {
            await worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(QueueHarness.Doctor)], QueueHarness.Message());
        }

        await worker.Submitter.SubmitAsync(QueueHarness.Sender, [new OutboundRecipient(Radiologue)], QueueHarness.Message(to: Radiologue));
        var run = worker.RunAsync(stop.Token);

        // Radiologie gets its message while medecin's first connection is still waiting for a greeting.
        await PollUntilAsync(harness, options, () => Task.FromResult(radiologie.DataReceived.Task.IsCompleted), "radiologie's delivery");
        Assert.Single(radiologie.Received);
        await Eventually.WaitUntilAsync(() => Volatile.Read(ref silentConnections) == 1, "the connection to the silent relay");

        // The silent relay's greeting times out: medecin is known not to answer, and its other
        // entries are deferred without a connection each (those that were put back as busy
        // become due again after BusyDestinationDelay).
        harness.Clock.Advance(options.ConnectTimeout);
        await Eventually.WaitUntilAsync(async () => (await harness.Store.ListQueueAsync()).Any(e => e.LastError?.Contains("timed out", StringComparison.Ordinal) == true),
            "the timed-out attempt to be recorded");
        await PollUntilAsync(harness, options, async () => (await harness.Store.ListQueueAsync()).All(e => e.Attempts > 0), "every entry to be attempted or deferred");

        var entries = await harness.Store.ListQueueAsync();
        Assert.Equal(4, entries.Count);
        Assert.All(entries, e => Assert.Equal(TestPki.MedecinDomain, e.Domain));
        Assert.Single(entries, e => e.LastError!.Contains("timed out", StringComparison.Ordinal) && !e.LastError.StartsWith("not tried", StringComparison.Ordinal));
        Assert.Equal(3, entries.Count(e => e.LastError!.StartsWith("not tried", StringComparison.Ordinal)));
        Assert.Equal(1, Volatile.Read(ref silentConnections));

        await stop.CancelAsync();
        await run;
        silent.Stop();
        await acceptLoop;
        held.ForEach(c => c.Dispose());
    }

    /// <summary>
    /// Lets the worker's poll loop come round (one poll interval of the test's clock at a time)
    /// until <paramref name="condition"/> holds, within 20 s of the test's clock: far less than the
    /// retry delay of a failed entry (1 min), so no step of this loop can cause a second attempt.
    /// </summary>
    private static async Task PollUntilAsync(QueueHarness harness, Queue.Delivery.DeliveryQueueOptions options, Func<Task<bool>> condition, string what)
    {
        var budget = harness.Clock.GetUtcNow() + TimeSpan.FromSeconds(20);
        await Eventually.WaitUntilAsync(async () =>
        {
            if (await condition())
            {
                return true;
            }

            Assert.True(harness.Clock.GetUtcNow() < budget, $"the worker did not reach {what} within 200 poll intervals");
            harness.Clock.Advance(options.PollInterval);
            return false;
        }, what);
    }
}
