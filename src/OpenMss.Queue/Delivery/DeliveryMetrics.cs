using System.Diagnostics.Metrics;

namespace OpenMss.Queue.Delivery;

/// <summary>
/// The delivery queue's instruments (issue 2, point 9), published on the <see cref="MeterName"/>
/// meter for OpenTelemetry/Prometheus: delivery attempts by result, notifications by kind, and
/// the queue depth.
/// </summary>
public sealed class DeliveryMetrics : IDisposable
{
    /// <summary>Name of the meter with the queue's instruments.</summary>
    public const string MeterName = "OpenMss.Queue";

    /// <summary>Counter of delivery attempts (one per queue entry and attempt), tagged <c>result</c> = delivered | deferred | failed | lease_lost (another worker took the entry over).</summary>
    public const string AttemptsInstrument = "openmss.queue.delivery.attempts";

    /// <summary>Counter of delivery status notifications sent, tagged <c>kind</c> = failure | delay | success.</summary>
    public const string NotificationsInstrument = "openmss.queue.notifications";

    /// <summary>Gauge of the number of queue entries, as last read from the store by the worker.</summary>
    public const string DepthInstrument = "openmss.queue.depth";

    private readonly Meter meter;
    private readonly bool ownsMeter;
    private readonly Counter<long> attempts;
    private readonly Counter<long> notifications;

    internal DeliveryMetrics(IMeterFactory? meterFactory, Func<long> depth)
    {
        ownsMeter = meterFactory is null;
        meter = meterFactory?.Create(new MeterOptions(MeterName)) ?? new Meter(MeterName);
        attempts = meter.CreateCounter<long>(AttemptsInstrument, "{attempt}", "Delivery attempts to other operators, by result");
        notifications = meter.CreateCounter<long>(NotificationsInstrument, "{notification}", "Delivery status notifications sent, by kind");
        meter.CreateObservableGauge(DepthInstrument, depth, "{entry}", "Entries in the outbound delivery queue");
    }

    internal void Attempt(string result) => attempts.Add(1, new KeyValuePair<string, object?>("result", result));

    internal void Notification(string kind) => notifications.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Dispose()
    {
        if (ownsMeter)
        {
            meter.Dispose();
        }
    }
}
