using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenMss.Core.Identifiers;
using OpenMss.Identity.Storage;

namespace OpenMss.Identity.Accounts;

/// <summary>
/// The accounts of the identity provider in its EF Core database (SQLite or PostgreSQL).
/// Passwords are hashed with ASP.NET Core's <see cref="PasswordHasher{TUser}"/> (PBKDF2,
/// HMAC-SHA512, 100,000 iterations, 128-bit salt); TOTP codes follow <see cref="OneTimeCodes"/>.
/// Usable without the web host, e.g. by the CLI or a mail server that allows passwords.
/// </summary>
public sealed class AccountStore : IAccountStore
{
    private const int MinimumPasswordLength = 8;
    private const int MaximumPasswordLength = 512;
    private const int MaximumDisplayNameLength = 200;

    private readonly DbContextOptions<IdentityDbContext> _options;
    private readonly TimeProvider _time;
    private readonly PasswordHasher<AccountEntity> _hasher = new(Options.Create(new PasswordHasherOptions
    {
        CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
        IterationCount = 100_000,
    }));

    private readonly Lazy<string> _dummyHash;

    private AccountStore(DbContextOptions<IdentityDbContext> options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _dummyHash = new Lazy<string>(() => _hasher.HashPassword(Dummy, Guid.NewGuid().ToString("N")));
    }

    private static AccountEntity Dummy => new()
    {
        Subject = "0",
        DisplayName = "-",
        PasswordHash = "-",
        TotpSecret = "-",
    };

    /// <summary>Opens the store, creating the identity tables when the database has none.</summary>
    public static async Task<AccountStore> OpenAsync(IdentityDatabase database, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        var options = BuildOptions(database, loggerFactory);
        var context = new IdentityDbContext(options);
        await using (context.ConfigureAwait(false))
        {
            await IdentitySchema.EnsureAsync(context, database, cancellationToken).ConfigureAwait(false);
        }

        return new AccountStore(options, timeProvider ?? TimeProvider.System);
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
            if (entity is null)
            {
                entity = new AccountEntity
                {
                    Subject = subject.Value,
                    Rpps = subject.RppsNumber?.Value,
                    Adeli = subject.AdeliNumber?.Value,
                    DisplayName = name,
                    PasswordHash = string.Empty,
                    TotpSecret = secret ?? OneTimeCodes.GenerateSecret(),
                    CreatedUnixMs = now,
                };
                context.Accounts.Add(entity);
            }
            else
            {
                entity.DisplayName = name;
                if (secret is not null && !string.Equals(secret, entity.TotpSecret, StringComparison.Ordinal))
                {
                    entity.TotpSecret = secret;
                    entity.LastTotpStep = 0;
                }
            }

            entity.PasswordHash = _hasher.HashPassword(entity, password);
            entity.UpdatedUnixMs = now;
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);

            var account = ToAccount(entity);
            var label = account.Rpps ?? account.Adeli ?? account.Subject;
            return new TotpEnrollment(account, entity.TotpSecret, OneTimeCodes.BuildOtpAuthUri(entity.TotpSecret, label));
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
            return deleted > 0;
        }
    }

    /// <inheritdoc/>
    public async Task<ProfessionalAccount?> VerifyPasswordAsync(string identifier, string password, CancellationToken cancellationToken = default)
    {
        var entity = await FindEntityAsync(identifier, cancellationToken).ConfigureAwait(false);
        return await CheckPasswordAsync(entity, password, cancellationToken).ConfigureAwait(false) ? ToAccount(entity!) : null;
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

        if (!OneTimeCodes.TryMatch(OneTimeCodes.DecodeSecret(entity.TotpSecret), oneTimeCode ?? string.Empty, _time.GetUtcNow(), out var step))
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
        password ??= string.Empty;
        if (password.Length > MaximumPasswordLength)
        {
            password = password[..MaximumPasswordLength];
        }

        if (entity is null)
        {
            _hasher.VerifyHashedPassword(Dummy, _dummyHash.Value, password);
            return false;
        }

        var result = _hasher.VerifyHashedPassword(entity, entity.PasswordHash, password);
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            var context = new IdentityDbContext(_options);
            await using (context.ConfigureAwait(false))
            {
                var newHash = _hasher.HashPassword(entity, password);
                await context.Accounts.Where(a => a.Subject == entity.Subject)
                    .ExecuteUpdateAsync(setters => setters.SetProperty(a => a.PasswordHash, newHash), cancellationToken)
                    .ConfigureAwait(false);
            }
        }

        return result != PasswordVerificationResult.Failed;
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

    private static void ValidatePassword(string password)
    {
        if (password is null || password.Length < MinimumPasswordLength)
        {
            throw new ArgumentException($"The password must have at least {MinimumPasswordLength} characters.", nameof(password));
        }

        if (password.Length > MaximumPasswordLength)
        {
            throw new ArgumentException($"The password must have at most {MaximumPasswordLength} characters.", nameof(password));
        }
    }

    private static ProfessionalAccount ToAccount(AccountEntity entity) => new(
        entity.Subject,
        entity.Rpps,
        entity.Adeli,
        entity.DisplayName,
        DateTimeOffset.FromUnixTimeMilliseconds(entity.CreatedUnixMs),
        DateTimeOffset.FromUnixTimeMilliseconds(entity.UpdatedUnixMs));
}
