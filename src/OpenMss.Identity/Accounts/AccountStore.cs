using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using OpenMss.Core.Identifiers;
using OpenMss.Identity.Storage;
using OpenMss.Storage;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMss.Identity.Accounts;

/// <summary>How an <see cref="AccountStore"/> is opened.</summary>
public sealed class AccountStoreOptions
{
    /// <summary>
    /// The 32-byte AES-256-GCM key file that seals TOTP secrets in the database (raw or base64, see
    /// <see cref="MessageCipher.LoadOrCreate"/>), created with mode 0600 when missing. Without it the
    /// store can still check passwords, list, disable and delete accounts, but not create accounts
    /// nor check one-time codes.
    /// </summary>
    public string? SecretsKeyPath { get; set; }

    /// <summary>Clock of one-time codes.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Logs of the store and of EF Core.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }
}

/// <summary>
/// The accounts of the identity provider in its EF Core database (SQLite or PostgreSQL).
/// Passwords are hashed with ASP.NET Core's <see cref="PasswordHasher{TUser}"/> (PBKDF2,
/// HMAC-SHA512, <see cref="PasswordIterations"/> iterations as OWASP recommends for SHA-512,
/// 128-bit random salt per hash); a hash with fewer iterations is replaced at the next right
/// password. TOTP codes follow <see cref="OneTimeCodes"/>; their secrets are sealed with AES-256-GCM
/// under a key file outside the database (<see cref="AccountStoreOptions.SecretsKeyPath"/>).
/// Usable without the web host, e.g. by the CLI or a mail server that allows passwords.
/// </summary>
public sealed partial class AccountStore : IAccountStore
{
    /// <summary>PBKDF2-HMAC-SHA512 iterations of new hashes (OWASP Password Storage Cheat Sheet, 2023).</summary>
    public const int PasswordIterations = 210_000;

    private const int MaximumDisplayNameLength = 200;

    private readonly DbContextOptions<IdentityDbContext> _options;
    private readonly TimeProvider _time;
    private readonly TotpSecretProtector? _protector;
    private readonly PasswordHashing _passwords = new();

    private AccountStore(DbContextOptions<IdentityDbContext> options, TimeProvider time, TotpSecretProtector? protector)
    {
        _options = options;
        _time = time;
        _protector = protector;
    }

    /// <summary>
    /// Opens the store without the secrets key (creating or upgrading the identity tables): enough
    /// for password logins, listing, disabling and deleting accounts.
    /// </summary>
    public static Task<AccountStore> OpenAsync(IdentityDatabase database, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default) =>
        OpenAsync(database, new AccountStoreOptions { TimeProvider = timeProvider ?? TimeProvider.System, LoggerFactory = loggerFactory }, cancellationToken);

    /// <summary>
    /// Opens the store, creating or upgrading the identity tables. With a secrets key, TOTP secrets
    /// still in clear (written before schema version 2) are encrypted now.
    /// </summary>
    public static async Task<AccountStore> OpenAsync(IdentityDatabase database, AccountStoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        var dbOptions = BuildOptions(database, options.LoggerFactory);
        var context = new IdentityDbContext(dbOptions);
        await using (context.ConfigureAwait(false))
        {
            await IdentitySchema.EnsureAsync(context, database, options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }

        // The cipher lives as long as the process uses the store; its key never leaves memory.
        var protector = options.SecretsKeyPath is null ? null : new TotpSecretProtector(MessageCipher.LoadOrCreate(options.SecretsKeyPath));
        var store = new AccountStore(dbOptions, options.TimeProvider, protector);
        if (protector is not null)
        {
            var sealedCount = await store.EncryptClearSecretsAsync(cancellationToken).ConfigureAwait(false);
            if (sealedCount > 0)
            {
                LogSecretsEncrypted((ILogger?)options.LoggerFactory?.CreateLogger<AccountStore>() ?? NullLogger.Instance, sealedCount);
            }
        }

        return store;
    }

    internal static DbContextOptions<IdentityDbContext> BuildOptions(IdentityDatabase database, ILoggerFactory? loggerFactory)
    {
        var builder = new DbContextOptionsBuilder<IdentityDbContext>();
        database.Configure(builder);
        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        return builder.Options;
    }

    /// <inheritdoc/>
    public async Task<TotpEnrollment> CreateOrUpdateAccountAsync(string rpps, string displayName, string password, string? totpSecretBase32 = null, CancellationToken cancellationToken = default)
    {
        var subject = ProfessionalIdentifiers.Parse(rpps);
        var name = ValidateDisplayName(displayName);
        ValidatePassword(password);
        var protector = RequireProtector();
        string? secret = null;
        if (totpSecretBase32 is not null)
        {
            _ = OneTimeCodes.DecodeSecret(totpSecretBase32);
            secret = OneTimeCodes.NormalizeSecret(totpSecretBase32);
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var context = new IdentityDbContext(_options);
        await using (context.ConfigureAwait(false))
        {
            var entity = await context.Accounts.SingleOrDefaultAsync(a => a.Subject == subject.Value, cancellationToken).ConfigureAwait(false);
            string effectiveSecret;
            if (entity is null)
            {
                effectiveSecret = secret ?? OneTimeCodes.GenerateSecret();
                entity = new AccountEntity
                {
                    Subject = subject.Value,
                    Rpps = subject.RppsNumber?.Value,
                    Adeli = subject.AdeliNumber?.Value,
                    DisplayName = name,
                    PasswordHash = string.Empty,
                    TotpSecret = protector.Protect(subject.Value, effectiveSecret),
                    CreatedUnixMs = now,
                };
                context.Accounts.Add(entity);
            }
            else
            {
                entity.DisplayName = name;
                effectiveSecret = protector.Unprotect(entity.Subject, entity.TotpSecret);
                if (secret is not null && !string.Equals(secret, effectiveSecret, StringComparison.Ordinal))
                {
                    effectiveSecret = secret;
                    entity.LastTotpStep = 0;
                }

                // Also seals a secret left in clear by an older version.
                entity.TotpSecret = protector.Protect(entity.Subject, effectiveSecret);
            }

            entity.PasswordHash = _passwords.Hash(password);
            entity.UpdatedUnixMs = now;
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);

            var account = ToAccount(entity);
            var label = account.Rpps ?? account.Adeli ?? account.Subject;
            return new TotpEnrollment(account, effectiveSecret, OneTimeCodes.BuildOtpAuthUri(effectiveSecret, label));
        }
    }

    /// <inheritdoc/>
    public async Task<ProfessionalAccount?> FindAsync(string identifier, CancellationToken cancellationToken = default)
    {
        var entity = await FindEntityAsync(identifier, cancellationToken).ConfigureAwait(false);
        return entity is null ? null : ToAccount(entity);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ProfessionalAccount>> ListAsync(CancellationToken cancellationToken = default)
    {
        var context = new IdentityDbContext(_options);
        await using (context.ConfigureAwait(false))
        {
            var entities = await context.Accounts.AsNoTracking().OrderBy(a => a.Subject).ToListAsync(cancellationToken).ConfigureAwait(false);
            return entities.Select(ToAccount).ToList();
        }
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteAsync(string identifier, CancellationToken cancellationToken = default)
    {
        if (!ProfessionalIdentifiers.TryParse(identifier, out var subject, out _))
        {
            return false;
        }

        var context = new IdentityDbContext(_options);
        await using (context.ConfigureAwait(false))
        {
            var deleted = await context.Accounts.Where(a => a.Subject == subject.Value).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            await RevokeTokensAsync(context, subject.Value, cancellationToken).ConfigureAwait(false);
            return deleted > 0;
        }
    }

    /// <inheritdoc/>
    public async Task<bool> SetEnabledAsync(string identifier, bool enabled, CancellationToken cancellationToken = default)
    {
        if (!ProfessionalIdentifiers.TryParse(identifier, out var subject, out _))
        {
            return false;
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var context = new IdentityDbContext(_options);
        await using (context.ConfigureAwait(false))
        {
            var updated = await context.Accounts.Where(a => a.Subject == subject.Value)
                .ExecuteUpdateAsync(setters => setters.SetProperty(a => a.Disabled, !enabled).SetProperty(a => a.UpdatedUnixMs, now), cancellationToken)
                .ConfigureAwait(false);
            if (updated > 0 && !enabled)
            {
                await RevokeTokensAsync(context, subject.Value, cancellationToken).ConfigureAwait(false);
            }

            return updated > 0;
        }
    }

    /// <inheritdoc/>
    public async Task<ProfessionalAccount?> VerifyPasswordAsync(string identifier, string password, CancellationToken cancellationToken = default)
    {
        var entity = await FindEntityAsync(identifier, cancellationToken).ConfigureAwait(false);
        return await CheckPasswordAsync(entity, password, cancellationToken).ConfigureAwait(false) && !entity!.Disabled ? ToAccount(entity) : null;
    }

    /// <inheritdoc/>
    public async Task<CredentialCheck> VerifyCredentialsAsync(string identifier, string password, string oneTimeCode, CancellationToken cancellationToken = default)
    {
        if (!ProfessionalIdentifiers.TryParse(identifier, out var subject, out _))
        {
            // Same work as for a real account, so the answer time says nothing.
            _ = await CheckPasswordAsync(null, password, cancellationToken).ConfigureAwait(false);
            return new CredentialCheck(CredentialCheckResult.InvalidIdentifier, null, null);
        }

        var entity = await FindEntityAsync(subject.Value, cancellationToken).ConfigureAwait(false);
        var passwordOk = await CheckPasswordAsync(entity, password, cancellationToken).ConfigureAwait(false);
        if (entity is null)
        {
            return new CredentialCheck(CredentialCheckResult.UnknownAccount, null, subject.Value);
        }

        if (!passwordOk)
        {
            return new CredentialCheck(CredentialCheckResult.WrongPassword, null, subject.Value);
        }

        if (entity.Disabled)
        {
            return new CredentialCheck(CredentialCheckResult.AccountDisabled, null, subject.Value);
        }

        if (TotpSecretProtector.IsProtected(entity.TotpSecret))
        {
            RequireProtector();
        }

        var secret = _protector is null ? entity.TotpSecret : _protector.Unprotect(entity.Subject, entity.TotpSecret);
        if (!OneTimeCodes.TryMatch(OneTimeCodes.DecodeSecret(secret), oneTimeCode ?? string.Empty, _time.GetUtcNow(), out var step))
        {
            return new CredentialCheck(CredentialCheckResult.WrongCode, null, subject.Value);
        }

        // Consume the step atomically: of two concurrent sign-ins with one code, one wins.
        var context = new IdentityDbContext(_options);
        await using (context.ConfigureAwait(false))
        {
            var updated = await context.Accounts
                .Where(a => a.Subject == subject.Value && a.LastTotpStep < step)
                .ExecuteUpdateAsync(setters => setters.SetProperty(a => a.LastTotpStep, step), cancellationToken)
                .ConfigureAwait(false);
            if (updated == 0)
            {
                return new CredentialCheck(CredentialCheckResult.ReplayedCode, null, subject.Value);
            }
        }

        return new CredentialCheck(CredentialCheckResult.Success, ToAccount(entity), subject.Value);
    }

    /// <summary>Seals every TOTP secret still in clear; returns how many.</summary>
    internal async Task<int> EncryptClearSecretsAsync(CancellationToken cancellationToken)
    {
        var protector = RequireProtector();
        var context = new IdentityDbContext(_options);
        await using (context.ConfigureAwait(false))
        {
            var clear = await context.Accounts.Where(a => !a.TotpSecret.StartsWith(TotpSecretProtector.Prefix)).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var entity in clear)
            {
                entity.TotpSecret = protector.Protect(entity.Subject, OneTimeCodes.NormalizeSecret(entity.TotpSecret));
            }

            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return clear.Count;
        }
    }

    /// <summary>
    /// Marks the subject's OpenIddict tokens and authorizations revoked: refresh tokens stop working
    /// and the introspection endpoint answers <c>active: false</c> for its access tokens.
    /// </summary>
    internal static async Task RevokeTokensAsync(IdentityDbContext context, string subject, CancellationToken cancellationToken)
    {
        await context.Set<OpenIddictEntityFrameworkCoreToken>()
            .Where(t => t.Subject == subject && t.Status != Statuses.Revoked)
            .ExecuteUpdateAsync(setters => setters.SetProperty(t => t.Status, Statuses.Revoked), cancellationToken)
            .ConfigureAwait(false);
        await context.Set<OpenIddictEntityFrameworkCoreAuthorization>()
            .Where(a => a.Subject == subject && a.Status != Statuses.Revoked)
            .ExecuteUpdateAsync(setters => setters.SetProperty(a => a.Status, Statuses.Revoked), cancellationToken)
            .ConfigureAwait(false);
    }

    private TotpSecretProtector RequireProtector() => _protector
        ?? throw new InvalidOperationException("TOTP secrets are encrypted at rest: open the account store with AccountStoreOptions.SecretsKeyPath to create accounts or check one-time codes.");

    private async Task<AccountEntity?> FindEntityAsync(string identifier, CancellationToken cancellationToken)
    {
        if (!ProfessionalIdentifiers.TryParse(identifier, out var subject, out _))
        {
            return null;
        }

        var context = new IdentityDbContext(_options);
        await using (context.ConfigureAwait(false))
        {
            return await context.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Subject == subject.Value, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> CheckPasswordAsync(AccountEntity? entity, string? password, CancellationToken cancellationToken)
    {
        var ok = _passwords.Verify(entity?.PasswordHash, password, out var rehash);
        if (ok && rehash)
        {
            var context = new IdentityDbContext(_options);
            await using (context.ConfigureAwait(false))
            {
                var newHash = _passwords.Hash(password!);
                await context.Accounts.Where(a => a.Subject == entity!.Subject)
                    .ExecuteUpdateAsync(setters => setters.SetProperty(a => a.PasswordHash, newHash), cancellationToken)
                    .ConfigureAwait(false);
            }
        }

        return ok;
    }

    private static string ValidateDisplayName(string displayName)
    {
        var name = displayName?.Trim() ?? string.Empty;
        if (name.Length == 0)
        {
            throw new ArgumentException("The display name is empty.", nameof(displayName));
        }

        if (name.Length > MaximumDisplayNameLength || name.Any(char.IsControl))
        {
            throw new ArgumentException($"The display name must be at most {MaximumDisplayNameLength} characters without control characters.", nameof(displayName));
        }

        return name;
    }

    private static void ValidatePassword(string password) => PasswordHashing.Validate(password);

    private static ProfessionalAccount ToAccount(AccountEntity entity) => new(
        entity.Subject,
        entity.Rpps,
        entity.Adeli,
        entity.DisplayName,
        DateTimeOffset.FromUnixTimeMilliseconds(entity.CreatedUnixMs),
        DateTimeOffset.FromUnixTimeMilliseconds(entity.UpdatedUnixMs))
    {
        IsEnabled = !entity.Disabled,
    };

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Encrypted {Count} TOTP secrets left in clear by an earlier version")]
    private static partial void LogSecretsEncrypted(ILogger logger, int count);
}
