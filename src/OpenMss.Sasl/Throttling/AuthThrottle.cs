using System.Collections.Concurrent;

namespace OpenMss.Sasl.Throttling;

/// <summary>Limits of <see cref="AuthThrottle"/>.</summary>
public sealed class AuthThrottleOptions
{
    /// <summary>Failures of one account before it is locked (then every further failure locks again, longer).</summary>
    public int MaxAccountFailures { get; set; } = 5;

    /// <summary>Failures from one client address (several accounts behind one NAT) before it is locked.</summary>
    public int MaxAddressFailures { get; set; } = 20;

    /// <summary>First lock duration; each further lock doubles it up to <see cref="MaxLockout"/>.</summary>
    public TimeSpan Lockout { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxLockout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Failures older than this are forgotten.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Rate limiting of failed authentications per account and per client address, one instance per
/// node shared by SMTP submission and IMAP so that guesses spread over both protocols count
/// together: after too many failures the key is locked for a minute, then for twice as long at
/// each new lock. While locked, credentials are not even checked, so guessing gains nothing
/// (the defence RFC 4422 §9 and RFC 4954 §8 leave to the server). In memory (per node); bounded
/// by forgetting keys whose failures are old.
/// </summary>
public sealed class AuthThrottle(AuthThrottleOptions options, TimeProvider time)
{
    private const int PruneAbove = 10_000;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>How long the account or the address remains locked; null when neither is.</summary>
    public TimeSpan? RetryAfter(string? account, string clientAddress)
    {
        var now = time.GetUtcNow();
        TimeSpan? longest = null;
        foreach (var key in Keys(account, clientAddress))
        {
            if (_entries.TryGetValue(key, out var entry))
            {
                lock (entry)
                {
                    if (entry.LockedUntil > now && (longest is null || entry.LockedUntil - now > longest))
                    {
                        longest = entry.LockedUntil - now;
                    }
                }
            }
        }

        return longest;
    }

    /// <summary>Counts a failure for the account (when known) and the address; may lock them.</summary>
    public void RecordFailure(string? account, string clientAddress)
    {
        var now = time.GetUtcNow();
        if (_entries.Count > PruneAbove)
        {
            Prune(now);
        }

        foreach (var key in Keys(account, clientAddress))
        {
            var limit = key.StartsWith("acct:", StringComparison.Ordinal) ? options.MaxAccountFailures : options.MaxAddressFailures;
            var entry = _entries.GetOrAdd(key, _ => new Entry());
            lock (entry)
            {
                if (now - entry.LastFailure > options.Window && entry.LockedUntil <= now)
                {
                    entry.Failures = 0;
                    entry.Lockouts = 0;
                }

                entry.Failures++;
                entry.LastFailure = now;
                if (entry.Failures >= limit)
                {
                    var factor = Math.Pow(2, Math.Min(entry.Lockouts, 16));
                    var duration = TimeSpan.FromTicks((long)Math.Min(options.Lockout.Ticks * factor, options.MaxLockout.Ticks));
                    entry.LockedUntil = now + duration;
                    entry.Lockouts++;
                }
            }
        }
    }

    /// <summary>A success clears the account's failures (not the address's: one good password must not unlock guessing from there).</summary>
    public void RecordSuccess(string? account)
    {
        if (account is not null)
        {
            _entries.TryRemove(AccountKey(account), out _);
        }
    }

    private static IEnumerable<string> Keys(string? account, string clientAddress)
    {
        if (!string.IsNullOrEmpty(account))
        {
            yield return AccountKey(account);
        }

        yield return "addr:" + clientAddress;
    }

    private static string AccountKey(string account) => "acct:" + account.Trim().ToLowerInvariant();

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
        {
            lock (entry)
            {
                if (entry.LockedUntil <= now && now - entry.LastFailure > options.Window)
                {
                    _entries.TryRemove(key, out _);
                }
            }
        }
    }

    private sealed class Entry
    {
        public int Failures;
        public int Lockouts;
        public DateTimeOffset LastFailure;
        public DateTimeOffset LockedUntil;
    }
}
