using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using OpenMss.Identity.Storage;

namespace OpenMss.Identity.SignIn;

/// <summary>
/// Counts failed sign-ins per identifier and per client address and locks either for a growing
/// time (see <see cref="SignInThrottleOptions"/>). The counters are rows of
/// <c>identity_signin_throttle</c> in the provider's database, so every node sharing the database
/// sees the same lockouts and a restart forgets none. Each change is one transaction that locks the
/// row first (SQLite: <c>BEGIN IMMEDIATE</c>; PostgreSQL: the row lock of an <c>UPDATE</c>), so
/// concurrent failures from several nodes are all counted. Identifiers that are not valid ones are
/// counted too, under a hash, so nothing mistyped (a password in the wrong field) is kept in clear.
/// </summary>
internal sealed class SignInThrottle
{
    private const int PruneEvery = 1_000;

    private readonly SignInThrottleOptions _options;
    private readonly TimeProvider _time;
    private readonly DbContextOptions<IdentityDbContext> _db;
    private readonly IdentityDatabaseKind _kind;
    private int _sincePrune;

    public SignInThrottle(SignInThrottleOptions options, TimeProvider time, DbContextOptions<IdentityDbContext> db, IdentityDatabaseKind kind)
    {
        options.Validate();
        _options = options;
        _time = time;
        _db = db;
        _kind = kind;
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
    public async Task<TimeSpan?> RetryAfterAsync(string accountKey, string addressKey, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var context = new IdentityDbContext(_db);
        await using (context.ConfigureAwait(false))
        {
            var lockedUntil = await context.Throttle.AsNoTracking()
                .Where(c => (c.Key == accountKey || c.Key == addressKey) && c.LockedUntilUnixMs > now)
                .MaxAsync(c => (long?)c.LockedUntilUnixMs, cancellationToken)
                .ConfigureAwait(false);
            return lockedUntil is { } until ? TimeSpan.FromMilliseconds(until - now) : null;
        }
    }

    public async Task RecordFailureAsync(string accountKey, string addressKey, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await FailAsync(accountKey, _options.FailuresPerAccount, now, cancellationToken).ConfigureAwait(false);
        await FailAsync(addressKey, _options.FailuresPerAddress, now, cancellationToken).ConfigureAwait(false);
        if (Interlocked.Increment(ref _sincePrune) >= PruneEvery)
        {
            Interlocked.Exchange(ref _sincePrune, 0);
            await PruneAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A success clears the identifier's counter; the address keeps its own (one good account must not reset a guessing address).</summary>
    public async Task RecordSuccessAsync(string accountKey, CancellationToken cancellationToken)
    {
        var context = new IdentityDbContext(_db);
        await using (context.ConfigureAwait(false))
        {
            await context.Throttle.Where(c => c.Key == accountKey).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes counters that no longer lock nor count (quiet for longer than <see cref="SignInThrottleOptions.ForgetAfter"/>).</summary>
    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var forgetBefore = (now - _options.ForgetAfter).ToUnixTimeMilliseconds();
        var context = new IdentityDbContext(_db);
        await using (context.ConfigureAwait(false))
        {
            return await context.Throttle.Where(c => c.LockedUntilUnixMs <= nowMs && c.LastFailureUnixMs < forgetBefore)
                .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task FailAsync(string key, int threshold, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var context = new IdentityDbContext(_db);
        await using (context.ConfigureAwait(false))
        {
            var transaction = await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var insert = _kind == IdentityDatabaseKind.Sqlite
                    ? "INSERT OR IGNORE INTO identity_signin_throttle (\"key\", failures, lockouts, last_failure_unix_ms, locked_until_unix_ms) VALUES ({0}, 0, 0, 0, 0)"
                    : "INSERT INTO identity_signin_throttle (\"key\", failures, lockouts, last_failure_unix_ms, locked_until_unix_ms) VALUES ({0}, 0, 0, 0, 0) ON CONFLICT (\"key\") DO NOTHING";
                await context.Database.ExecuteSqlRawAsync(insert, [key], cancellationToken).ConfigureAwait(false);

                // Takes the row lock before reading, so a concurrent failure on another node waits for this one.
                await context.Database.ExecuteSqlRawAsync("UPDATE identity_signin_throttle SET failures = failures WHERE \"key\" = {0}", [key], cancellationToken).ConfigureAwait(false);
                var counter = await context.Throttle.SingleAsync(c => c.Key == key, cancellationToken).ConfigureAwait(false);

                if (nowMs - counter.LastFailureUnixMs > (long)_options.ForgetAfter.TotalMilliseconds)
                {
                    counter.Failures = 0;
                    counter.Lockouts = 0;
                }

                counter.LastFailureUnixMs = nowMs;
                counter.Failures++;
                if (counter.Failures >= threshold)
                {
                    counter.Failures = 0;
                    counter.Lockouts++;
                    var factor = Math.Pow(2, Math.Min(counter.Lockouts - 1, 20));
                    var duration = TimeSpan.FromTicks((long)Math.Min(_options.LockoutDuration.Ticks * factor, _options.MaximumLockoutDuration.Ticks));
                    counter.LockedUntilUnixMs = (now + duration).ToUnixTimeMilliseconds();
                }

                await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
