using System.Security.Cryptography;
using System.Text;

namespace OpenMss.Identity.SignIn;

/// <summary>
/// Counts failed sign-ins per identifier and per client address, in memory, and locks either for a
/// growing time (see <see cref="SignInThrottleOptions"/>). Identifiers that are not valid ones are
/// counted too, under a hash, so nothing mistyped (a password in the wrong field) is kept in clear.
/// </summary>
internal sealed class SignInThrottle
{
    private const int PruneThreshold = 10_000;

    private readonly SignInThrottleOptions _options;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly Dictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    public SignInThrottle(SignInThrottleOptions options, TimeProvider time)
    {
        options.Validate();
        _options = options;
        _time = time;
    }

    /// <summary>The key under which an identifier is counted.</summary>
    public static string AccountKey(string? subject, string? rawIdentifier)
    {
        if (subject is not null)
        {
            return "acct:" + subject;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes((rawIdentifier ?? string.Empty).Trim()));
        return "acct#" + Convert.ToHexString(hash, 0, 12);
    }

    public static string AddressKey(string? address) => "addr:" + (address ?? "unknown");

    /// <summary>How long the attempt must wait, or null when it may proceed.</summary>
    public TimeSpan? RetryAfter(string accountKey, string addressKey)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var wait = TimeSpan.Zero;
            foreach (var key in new[] { accountKey, addressKey })
            {
                if (_counters.TryGetValue(key, out var counter) && counter.LockedUntil > now)
                {
                    var remaining = counter.LockedUntil - now;
                    wait = remaining > wait ? remaining : wait;
                }
            }

            return wait > TimeSpan.Zero ? wait : null;
        }
    }

    public void RecordFailure(string accountKey, string addressKey)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            Fail(accountKey, _options.FailuresPerAccount, now);
            Fail(addressKey, _options.FailuresPerAddress, now);
            if (_counters.Count > PruneThreshold)
            {
                Prune(now);
            }
        }
    }

    /// <summary>A success clears the identifier's counter; the address keeps its own (one good account must not reset a guessing address).</summary>
    public void RecordSuccess(string accountKey)
    {
        lock (_gate)
        {
            _counters.Remove(accountKey);
        }
    }

    private void Fail(string key, int threshold, DateTimeOffset now)
    {
        if (!_counters.TryGetValue(key, out var counter) || now - counter.LastFailure > _options.ForgetAfter)
        {
            counter = new Counter();
            _counters[key] = counter;
        }

        counter.LastFailure = now;
        counter.Failures++;
        if (counter.Failures < threshold)
        {
            return;
        }

        counter.Failures = 0;
        counter.Lockouts++;
        var factor = Math.Pow(2, Math.Min(counter.Lockouts - 1, 20));
        var duration = TimeSpan.FromTicks((long)Math.Min(_options.LockoutDuration.Ticks * factor, _options.MaximumLockoutDuration.Ticks));
        counter.LockedUntil = now + duration;
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, counter) in _counters.ToList())
        {
            if (counter.LockedUntil <= now && now - counter.LastFailure > _options.ForgetAfter)
            {
                _counters.Remove(key);
            }
        }
    }

    private sealed class Counter
    {
        public int Failures;
        public int Lockouts;
        public DateTimeOffset LastFailure;
        public DateTimeOffset LockedUntil;
    }
}
