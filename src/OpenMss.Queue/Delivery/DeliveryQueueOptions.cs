using System.Security.Cryptography.X509Certificates;

namespace OpenMss.Queue.Delivery;

/// <summary>
/// Settings of an operator's outbound delivery queue (issue 2, point 6: no message is
/// lost): retry schedule, notification delays (RFC 3464 delay and failure reports), leases,
/// concurrency, timeouts and the operator identity used towards other operators.
/// </summary>
/// <remarks>
/// The defaults follow common MTA practice (Postfix and Exim retry for about five days and warn
/// the sender after a few hours); the demo and the tests shorten them where needed.
/// </remarks>
public sealed class DeliveryQueueOptions
{
    /// <summary>Delay before the second attempt; later delays double up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Upper bound of the delay between two attempts.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Growth factor of the delay between attempts.</summary>
    public double RetryBackoffFactor { get; set; } = 2.0;

    /// <summary>
    /// Random spread applied to each delay (0.1 = ±10 %), so that entries that failed together
    /// (a remote operator that was down) do not all come back at the same second.
    /// </summary>
    public double RetryJitter { get; set; } = 0.1;

    /// <summary>Age of an entry after which the sender gets one "delayed" notification.</summary>
    public TimeSpan DelayNotificationAfter { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Age of an entry after which pending recipients fail for good.</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>
    /// How long a worker owns the entries it leased; if it dies, another worker (or this one after
    /// a restart) takes them over once the lease has expired.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often a worker renews the lease of an entry it is delivering (a third of
    /// <see cref="LeaseDuration"/>): a delivery may last longer than the lease without another
    /// node taking the entry over, and two beats may fail before the lease is lost.
    /// </summary>
    public TimeSpan LeaseRenewalInterval => LeaseDuration / 3;

    /// <summary>How often the store is polled for due entries when nothing wakes the worker.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deliveries (one per queue entry, that is per destination domain) running at once.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 8;

    /// <summary>
    /// Deliveries to one destination domain running at once on this worker. Lower than
    /// <see cref="MaxConcurrentDeliveries"/>, so that one slow or unreachable operator with many
    /// queued messages leaves delivery slots to the others.
    /// </summary>
    public int MaxConcurrentDeliveriesPerDestination { get; set; } = 4;

    /// <summary>
    /// When an entry is leased for a destination that already has
    /// <see cref="MaxConcurrentDeliveriesPerDestination"/> deliveries in progress, it is given back
    /// and due again after this delay (no attempt is counted).
    /// </summary>
    public TimeSpan BusyDestinationDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time allowed to open the TCP connection, read the greeting and finish STARTTLS.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for each later network read or write (RFC 5321 §4.5.3.2 suggests minutes).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The operator's host name: sent in <c>EHLO</c>, used as <c>Reporting-MTA</c> in delivery
    /// status notifications and in the lease owner name.
    /// </summary>
    public string HostName { get; set; } = "localhost";

    /// <summary>
    /// The operator certificate (with its private key) presented as TLS client certificate to
    /// other operators (mutual TLS, ANS MSSanté référentiel #2).
    /// </summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>
    /// The domains whose mailboxes this operator hosts. The first one names the
    /// <c>MAILER-DAEMON</c> that signs delivery status notifications.
    /// </summary>
    public IReadOnlyList<string> LocalDomains { get; set; } = [];

    /// <summary>
    /// Which recipients the worker's <see cref="Submission.MessageSubmitter"/> takes (the host passes
    /// the pipeline of the submission service); null for the local-mailbox check over <see cref="LocalDomains"/>.
    /// </summary>
    public OpenMss.Smtp.Acceptance.AcceptancePipeline? Acceptance { get; set; }

    /// <summary>
    /// Name under which this worker leases queue entries; unique per process so that several
    /// nodes can share one database. Defaults to the host name plus a random suffix.
    /// </summary>
    public string? WorkerId { get; set; }

    /// <summary>Random source of the jitter; tests may pin it.</summary>
    public Func<double>? JitterSource { get; set; }

    internal void Validate()
    {
        if (RetryInitialDelay <= TimeSpan.Zero || RetryMaxDelay < RetryInitialDelay)
        {
            throw new ArgumentException("RetryInitialDelay must be positive and not above RetryMaxDelay.");
        }

        if (RetryBackoffFactor < 1 || RetryJitter is < 0 or >= 1)
        {
            throw new ArgumentException("RetryBackoffFactor must be at least 1 and RetryJitter in [0, 1).");
        }

        if (MaxConcurrentDeliveries < 1 || MaxConcurrentDeliveriesPerDestination < 1 || LeaseDuration <= TimeSpan.Zero || PollInterval <= TimeSpan.Zero || BusyDestinationDelay <= TimeSpan.Zero)
        {
            throw new ArgumentException("MaxConcurrentDeliveries, MaxConcurrentDeliveriesPerDestination, LeaseDuration, PollInterval and BusyDestinationDelay must be positive.");
        }

        if (LocalDomains.Count == 0)
        {
            throw new ArgumentException("At least one local domain is needed (it signs delivery status notifications).");
        }
    }
}
