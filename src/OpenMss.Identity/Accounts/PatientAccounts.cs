using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpenMss.Core.Identifiers;
using OpenMss.Identity.Storage;

namespace OpenMss.Identity.Accounts;

/// <summary>Where a patient account stands in the identity provider.</summary>
public enum PatientAccountState
{
    /// <summary>Created by the patient space, not activated yet: no password, cannot sign in.</summary>
    NotActivated = 0,

    /// <summary>Activated: password and personal e-mail address set, can sign in.</summary>
    Active = 1,

    /// <summary>Disabled at opposition or closure: cannot sign in, its tokens are revoked.</summary>
    Disabled = 2,
}

/// <summary>
/// A patient's account (Mon espace santé). The login is the INS matricule, the stable key the
/// patient space addresses mailboxes by, so there is no second identifier to keep unique or in step.
/// Carries no secret; <see cref="ToString"/> does not show the INS.
/// </summary>
/// <param name="Ins">The INS matricule (15 characters), the token subject. Health data: never log it.</param>
/// <param name="Pseudonym">A random name that stands for the patient in the audit and logs.</param>
public sealed record PatientAccount(string Ins, string Pseudonym, PatientAccountState State, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    /// <summary>True when the patient can sign in.</summary>
    public bool IsActive => State == PatientAccountState.Active;

    public override string ToString() => $"Patient account {Pseudonym} ({State})";
}

/// <summary>Limits of the one-time codes sent by e-mail at each patient sign-in.</summary>
public sealed class PatientCodeOptions
{
    /// <summary>How long a code is valid. Default 10 minutes.</summary>
    public TimeSpan Validity { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Wrong entries allowed against one code before it is void. Default 5.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Codes sent to one patient per <see cref="SendWindow"/>. Default 5.</summary>
    public int MaxSendsPerWindow { get; set; } = 5;

    /// <summary>The window of <see cref="MaxSendsPerWindow"/>. Default 1 hour.</summary>
    public TimeSpan SendWindow { get; set; } = TimeSpan.FromHours(1);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Validity, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSendsPerWindow, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SendWindow, TimeSpan.Zero);
    }
}

/// <summary>What checking a one-time code found.</summary>
internal enum PatientCodeResult
{
    Success,
    Wrong,
    Expired,
    NoCode,
}

/// <summary>
/// The patient accounts of the identity provider, in their own table (<c>identity_patients</c>),
/// apart from professionals: the API the patient space calls to create an account, activate it
/// (password and personal e-mail address) and disable it (opposition, closure), and the checks of
/// the patient sign-in. Passwords are hashed as professionals' are (<see cref="PasswordHashing"/>).
/// One-time codes (6 digits) are stored hashed with a random salt, expire after
/// <see cref="PatientCodeOptions.Validity"/>, serve once, become void after a few wrong entries,
/// and are sent at most <see cref="PatientCodeOptions.MaxSendsPerWindow"/> times per window.
/// </summary>
public sealed class PatientAccountStore
{
    private const int MaximumEmailLength = 254;

    private readonly DbContextOptions<IdentityDbContext> _options;
    private readonly TimeProvider _time;
    private readonly PatientCodeOptions _codes;
    private readonly PasswordHashing _passwords = new();

    private PatientAccountStore(DbContextOptions<IdentityDbContext> options, TimeProvider time, PatientCodeOptions codes)
    {
        _options = options;
        _time = time;
        _codes = codes;
    }

    /// <summary>Opens the store, creating or upgrading the identity tables.</summary>
    public static async Task<PatientAccountStore> OpenAsync(IdentityDatabase database, TimeProvider? timeProvider = null, PatientCodeOptions? codes = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        codes ??= new PatientCodeOptions();
        codes.Validate();
        var time = timeProvider ?? TimeProvider.System;
        var dbOptions = AccountStore.BuildOptions(database, loggerFactory);
        var context = new IdentityDbContext(dbOptions);
        await using (context.ConfigureAwait(false))
        {
            await IdentitySchema.EnsureAsync(context, database, time, cancellationToken).ConfigureAwait(false);
        }

        return new PatientAccountStore(dbOptions, time, codes);
    }

    internal PatientCodeOptions Codes => _codes;

    /// <summary>Creates a not-activated account for the INS; returns the existing one if there is one.</summary>
    /// <exception cref="IdentifierFormatException">Not a valid INS matricule (wrong length, shape or key).</exception>
    public async Task<PatientAccount> CreateAsync(string ins, CancellationToken cancellationToken = default)
    {
        var key = InsMatricule.Parse(ins).Value;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var context = new IdentityDbContext(_options);
        await using (context.ConfigureAwait(false))
        {
            var entity = await context.Patients.SingleOrDefaultAsync(p => p.Ins == key, cancellationToken).ConfigureAwait(false);
            if (entity is null)
            {
                entity = new PatientEntity
                {
                    Ins = key,
                    Pseudonym = "pat-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
                    State = (int)PatientAccountState.NotActivated,
                    CreatedUnixMs = now,
                    UpdatedUnixMs = now,
                };
                context.Patients.Add(entity);
                await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }

            return ToAccount(entity);
        }
    }

    /// <summary>
    /// Activates the account with the password and the personal e-mail address the patient chose
    /// (also to change them later); false when there is no account or it is disabled.
    /// </summary>
    /// <exception cref="ArgumentException">Password shorter than 8 characters, or an address that is not one.</exception>
    public async Task<bool> ActivateAsync(string ins, string password, string personalEmail, CancellationToken cancellationToken = default)
    {
        PasswordHashing.Validate(password);
        var email = ValidateEmail(personalEmail);
        if (!InsMatricule.TryParse(ins, out var key, out _))
        {
            return false;
        }

        var hash = _passwords.Hash(password);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var context = new IdentityDbContext(_options);
        await using (context.ConfigureAwait(false))
        {
            var updated = await context.Patients
                .Where(p => p.Ins == key.Value && p.State != (int)PatientAccountState.Disabled)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.PasswordHash, hash).SetProperty(p => p.Email, email)
                    .SetProperty(p => p.State, (int)PatientAccountState.Active).SetProperty(p => p.UpdatedUnixMs, now), cancellationToken)
                .ConfigureAwait(false);
            return updated > 0;
        }
    }

    /// <summary>
    /// Disables the account (opposition or closure): no more sign-in, its tokens revoked, its pending
    /// code void. False when there is none. Final: a disabled account is not activated again.
    /// </summary>
    public async Task<bool> DisableAsync(string ins, CancellationToken cancellationToken = default)
    {
        if (!InsMatricule.TryParse(ins, out var key, out _))
        {
            return false;
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var context = new IdentityDbContext(_options);
        await using (context.ConfigureAwait(false))
        {
            var updated = await context.Patients.Where(p => p.Ins == key.Value)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.State, (int)PatientAccountState.Disabled).SetProperty(p => p.UpdatedUnixMs, now), cancellationToken)
                .ConfigureAwait(false);
            if (updated > 0)
            {
                await context.PatientCodes.Where(c => c.Ins == key.Value).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
                await AccountStore.RevokeTokensAsync(context, key.Value, cancellationToken).ConfigureAwait(false);
            }

            return updated > 0;
        }
    }

    /// <summary>The account of this INS, or null (also for a string that is not an INS).</summary>
    public async Task<PatientAccount?> FindAsync(string ins, CancellationToken cancellationToken = default)
    {
        var entity = await FindEntityAsync(ins, cancellationToken).ConfigureAwait(false);
        return entity is null ? null : ToAccount(entity);
    }

    /// <summary>The active account when the password is right, else null; the same work whether the account exists or not.</summary>
    internal async Task<(PatientAccount? Account, string? Email)> VerifyPasswordAsync(string ins, string password, CancellationToken cancellationToken)
    {
        var entity = await FindEntityAsync(ins, cancellationToken).ConfigureAwait(false);
        var ok = _passwords.Verify(entity?.PasswordHash, password, out var rehash);
        if (!ok || entity is not { State: (int)PatientAccountState.Active, Email: not null })
        {
            return (null, null);
        }

        if (rehash)
        {
            var context = new IdentityDbContext(_options);
            await using (context.ConfigureAwait(false))
            {
                var newHash = _passwords.Hash(password);
                await context.Patients.Where(p => p.Ins == entity.Ins)
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.PasswordHash, newHash), cancellationToken).ConfigureAwait(false);
            }
        }

        return (ToAccount(entity), entity.Email);
    }

    /// <summary>
    /// A new code for the patient, replacing any earlier one; null when the patient already had
    /// <see cref="PatientCodeOptions.MaxSendsPerWindow"/> codes in the window (with the time to wait).
    /// </summary>
    internal async Task<(string? Code, TimeSpan RetryAfter)> IssueCodeAsync(PatientAccount account, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        var context = new IdentityDbContext(_options);
        await using (context.ConfigureAwait(false))
        {
            var entity = await context.PatientCodes.SingleOrDefaultAsync(c => c.Ins == account.Ins, cancellationToken).ConfigureAwait(false);
            if (entity is null)
            {
                entity = new PatientCodeEntity { Ins = account.Ins, CodeHash = string.Empty, WindowStartUnixMs = now };
                context.PatientCodes.Add(entity);
            }

            var windowMs = (long)_codes.SendWindow.TotalMilliseconds;
            if (now - entity.WindowStartUnixMs >= windowMs)
            {
                entity.WindowStartUnixMs = now;
                entity.SentInWindow = 0;
            }

            if (entity.SentInWindow >= _codes.MaxSendsPerWindow)
            {
                return (null, TimeSpan.FromMilliseconds(entity.WindowStartUnixMs + windowMs - now));
            }

            entity.SentInWindow++;
            entity.CodeHash = HashCode(account.Ins, code, RandomNumberGenerator.GetBytes(16));
            entity.ExpiresUnixMs = now + (long)_codes.Validity.TotalMilliseconds;
            entity.Attempts = 0;
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return (code, TimeSpan.Zero);
        }
    }

    /// <summary>Checks the code and, when right, consumes it (of two concurrent uses, one wins).</summary>
    internal async Task<PatientCodeResult> VerifyCodeAsync(PatientAccount account, string code, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var trimmed = (code ?? string.Empty).Replace(" ", string.Empty, StringComparison.Ordinal);
        var context = new IdentityDbContext(_options);
        await using (context.ConfigureAwait(false))
        {
            var entity = await context.PatientCodes.AsNoTracking().SingleOrDefaultAsync(c => c.Ins == account.Ins, cancellationToken).ConfigureAwait(false);
            if (entity is null || entity.CodeHash.Length == 0)
            {
                return PatientCodeResult.NoCode;
            }

            if (now >= entity.ExpiresUnixMs)
            {
                return PatientCodeResult.Expired;
            }

            var stored = entity.CodeHash;
            var salt = Convert.FromHexString(stored[..stored.IndexOf(':', StringComparison.Ordinal)]);
            var matches = trimmed.Length == 6 && trimmed.All(char.IsAsciiDigit)
                && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(HashCode(account.Ins, trimmed, salt)), Encoding.ASCII.GetBytes(stored));
            if (matches)
            {
                var consumed = await context.PatientCodes.Where(c => c.Ins == account.Ins && c.CodeHash == stored)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.CodeHash, string.Empty), cancellationToken).ConfigureAwait(false);
                return consumed > 0 ? PatientCodeResult.Success : PatientCodeResult.NoCode;
            }

            // Too many wrong entries void the code: guessing 6 digits needs a new code every few tries.
            var attempts = entity.Attempts + 1;
            await context.PatientCodes.Where(c => c.Ins == account.Ins && c.CodeHash == stored)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Attempts, attempts).SetProperty(c => c.CodeHash, attempts >= _codes.MaxAttempts ? string.Empty : stored), cancellationToken)
                .ConfigureAwait(false);
            return PatientCodeResult.Wrong;
        }
    }

    private async Task<PatientEntity?> FindEntityAsync(string ins, CancellationToken cancellationToken)
    {
        if (!InsMatricule.TryParse(ins, out var key, out _))
        {
            return null;
        }

        var context = new IdentityDbContext(_options);
        await using (context.ConfigureAwait(false))
        {
            return await context.Patients.AsNoTracking().SingleOrDefaultAsync(p => p.Ins == key.Value, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string HashCode(string ins, string code, byte[] salt)
    {
        var hash = SHA256.HashData([.. salt, .. Encoding.ASCII.GetBytes(ins + ":" + code)]);
        return Convert.ToHexStringLower(salt) + ":" + Convert.ToHexStringLower(hash);
    }

    private static string ValidateEmail(string personalEmail)
    {
        var email = personalEmail?.Trim() ?? string.Empty;
        if (email.Length is 0 or > MaximumEmailLength || email.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))
            || !System.Net.Mail.MailAddress.TryCreate(email, out var parsed) || parsed.Address != email || parsed.DisplayName.Length > 0)
        {
            // The text never repeats the address.
            throw new ArgumentException("The personal e-mail address is not a valid address.", nameof(personalEmail));
        }

        return email;
    }

    private static PatientAccount ToAccount(PatientEntity entity) => new(
        entity.Ins,
        entity.Pseudonym,
        (PatientAccountState)entity.State,
        DateTimeOffset.FromUnixTimeMilliseconds(entity.CreatedUnixMs),
        DateTimeOffset.FromUnixTimeMilliseconds(entity.UpdatedUnixMs));
}
