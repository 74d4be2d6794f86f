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
        options.ConnectTimeout = TimeSpan.FromSeconds(12);
        options.PollInterval = TimeSpan.FromMilliseconds(100);
        options.BusyDestinationDelay = TimeSpan.FromMilliseconds(300);
        using var worker = harness.NewWorker(options, TimeProvider.System);

        // medecin accepts connections and never says a word.
        using var silent = new TcpListener(IPAddress.Loopback, harness.RemotePort);
        silent.Start();
        var silentConnections = 0;
        var held = new List<TcpClient>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
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
        await radiologie.DataReceived.Task.WaitAsync(TimeSpan.FromSeconds(8));
        Assert.Single(radiologie.Received);
        Assert.Equal(1, Volatile.Read(ref silentConnections));

        // Once medecin is known not to answer, its other entries are deferred without a connection each.
        while ((await harness.Store.ListQueueAsync()).Any(e => e.Attempts == 0))
        {
            stop.Token.ThrowIfCancellationRequested();
            await Task.Delay(100);
        }

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
}
