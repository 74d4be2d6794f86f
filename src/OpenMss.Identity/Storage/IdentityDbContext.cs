using Microsoft.EntityFrameworkCore;

namespace OpenMss.Identity.Storage;

/// <summary>
/// The identity provider's tables: professional accounts, the sign-in audit, the failed sign-in
/// counters (shared by every node on the database), a schema version, and
/// the OpenIddict entities (applications, authorizations, scopes, tokens) mapped by
/// <c>UseOpenIddict()</c>. One model for SQLite and PostgreSQL.
/// </summary>
internal sealed class IdentityDbContext : DbContext
{
    public IdentityDbContext(DbContextOptions<IdentityDbContext> options)
        : base(options)
    {
    }

    internal DbSet<AccountEntity> Accounts => Set<AccountEntity>();

    internal DbSet<SignInAuditEntity> SignInAudit => Set<SignInAuditEntity>();

    internal DbSet<SchemaVersionEntity> SchemaVersions => Set<SchemaVersionEntity>();

    internal DbSet<ThrottleEntity> Throttle => Set<ThrottleEntity>();

    internal DbSet<PatientEntity> Patients => Set<PatientEntity>();

    internal DbSet<PatientCodeEntity> PatientCodes => Set<PatientCodeEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.UseOpenIddict();

        modelBuilder.Entity<AccountEntity>(account =>
        {
            account.ToTable("identity_accounts");
            account.HasKey(a => a.Subject);
            account.Property(a => a.Subject).HasColumnName("subject").HasMaxLength(16);
            account.Property(a => a.Rpps).HasColumnName("rpps").HasMaxLength(11);
            account.Property(a => a.Adeli).HasColumnName("adeli").HasMaxLength(9);
            account.Property(a => a.DisplayName).HasColumnName("display_name").HasMaxLength(200).IsRequired();
            account.Property(a => a.PasswordHash).HasColumnName("password_hash").HasMaxLength(400).IsRequired();
            account.Property(a => a.TotpSecret).HasColumnName("totp_secret").HasMaxLength(IdentitySchema.TotpSecretColumnLength).IsRequired();
            account.Property(a => a.Disabled).HasColumnName("disabled");
            account.Property(a => a.LastTotpStep).HasColumnName("last_totp_step");
            account.Property(a => a.CreatedUnixMs).HasColumnName("created_unix_ms");
            account.Property(a => a.UpdatedUnixMs).HasColumnName("updated_unix_ms");
            account.HasIndex(a => a.Rpps).IsUnique();
            account.HasIndex(a => a.Adeli).IsUnique();
        });

        modelBuilder.Entity<SignInAuditEntity>(audit =>
        {
            audit.ToTable("identity_signin_audit");
            audit.HasKey(a => a.Id);
            audit.Property(a => a.Id).HasColumnName("id").ValueGeneratedOnAdd();
            audit.Property(a => a.TimeUnixMs).HasColumnName("time_unix_ms");
            audit.Property(a => a.Actor).HasColumnName("actor").HasMaxLength(100);
            audit.Property(a => a.ClientAddress).HasColumnName("client_address").HasMaxLength(64);
            audit.Property(a => a.ClientId).HasColumnName("client_id").HasMaxLength(100);
            audit.Property(a => a.Method).HasColumnName("method").HasMaxLength(40).IsRequired();
            audit.Property(a => a.Result).HasColumnName("result").HasMaxLength(20).IsRequired();
            audit.Property(a => a.Reason).HasColumnName("reason").HasMaxLength(60).IsRequired();
            audit.HasIndex(a => a.TimeUnixMs);
            audit.HasIndex(a => new { a.Actor, a.TimeUnixMs });
        });

        modelBuilder.Entity<ThrottleEntity>(counter =>
        {
            counter.ToTable("identity_signin_throttle");
            counter.HasKey(c => c.Key);
            counter.Property(c => c.Key).HasColumnName("key").HasMaxLength(100);
            counter.Property(c => c.Failures).HasColumnName("failures");
            counter.Property(c => c.Lockouts).HasColumnName("lockouts");
            counter.Property(c => c.LastFailureUnixMs).HasColumnName("last_failure_unix_ms");
            counter.Property(c => c.LockedUntilUnixMs).HasColumnName("locked_until_unix_ms");
        });

        modelBuilder.Entity<PatientEntity>(patient =>
        {
            patient.ToTable("identity_patients");
            patient.HasKey(p => p.Ins);
            patient.Property(p => p.Ins).HasColumnName("ins").HasMaxLength(15);
            patient.Property(p => p.Pseudonym).HasColumnName("pseudonym").HasMaxLength(32).IsRequired();
            patient.Property(p => p.PasswordHash).HasColumnName("password_hash").HasMaxLength(400);
            patient.Property(p => p.Email).HasColumnName("email").HasMaxLength(320);
            patient.Property(p => p.State).HasColumnName("state");
            patient.Property(p => p.CreatedUnixMs).HasColumnName("created_unix_ms");
            patient.Property(p => p.UpdatedUnixMs).HasColumnName("updated_unix_ms");
        });

        modelBuilder.Entity<PatientCodeEntity>(code =>
        {
            code.ToTable("identity_patient_codes");
            code.HasKey(c => c.Ins);
            code.Property(c => c.Ins).HasColumnName("ins").HasMaxLength(15);
            code.Property(c => c.CodeHash).HasColumnName("code_hash").HasMaxLength(100);
            code.Property(c => c.ExpiresUnixMs).HasColumnName("expires_unix_ms");
            code.Property(c => c.Attempts).HasColumnName("attempts");
            code.Property(c => c.WindowStartUnixMs).HasColumnName("window_start_unix_ms");
            code.Property(c => c.SentInWindow).HasColumnName("sent_in_window");
        });

        modelBuilder.Entity<SchemaVersionEntity>(version =>
        {
            version.ToTable("identity_schema");
            version.HasKey(v => v.Version);
            version.Property(v => v.Version).HasColumnName("version").ValueGeneratedNever();
            version.Property(v => v.AppliedUnixMs).HasColumnName("applied_unix_ms");
        });
    }
}

internal sealed class AccountEntity
{
    /// <summary>The idNat_PS (<c>8</c>+RPPS or <c>0</c>+ADELI): the token subject.</summary>
    public required string Subject { get; set; }

    public string? Rpps { get; set; }

    public string? Adeli { get; set; }

    public required string DisplayName { get; set; }

    public required string PasswordHash { get; set; }

    /// <summary>
    /// The TOTP secret (RFC 6238), sealed with AES-256-GCM under the key file outside the database
    /// (<c>enc1:</c> + base64); plain Base32 only in a database written before schema version 2,
    /// until the provider's next start encrypts it. It has to be recoverable to check codes.
    /// </summary>
    public required string TotpSecret { get; set; }

    /// <summary>A disabled account cannot sign in, refresh, or pass token introspection.</summary>
    public bool Disabled { get; set; }

    /// <summary>The last accepted TOTP time step: a code of this step or an earlier one is a replay.</summary>
    public long LastTotpStep { get; set; }

    public long CreatedUnixMs { get; set; }

    public long UpdatedUnixMs { get; set; }
}

internal sealed class SignInAuditEntity
{
    public long Id { get; set; }

    public long TimeUnixMs { get; set; }

    /// <summary>The idNat_PS or client id concerned; null when the identifier given was not one.</summary>
    public string? Actor { get; set; }

    public string? ClientAddress { get; set; }

    public string? ClientId { get; set; }

    public required string Method { get; set; }

    public required string Result { get; set; }

    public required string Reason { get; set; }
}

/// <summary>Failed sign-ins under one key (<c>acct:</c>idNat_PS, <c>acct#</c>hash or <c>addr:</c>IP) and its lockout.</summary>
internal sealed class ThrottleEntity
{
    public required string Key { get; set; }

    public int Failures { get; set; }

    public int Lockouts { get; set; }

    public long LastFailureUnixMs { get; set; }

    public long LockedUntilUnixMs { get; set; }
}

/// <summary>A patient account (Mon espace santé): the INS is the login and the token subject.</summary>
internal sealed class PatientEntity
{
    /// <summary>The INS matricule (15 characters): health data, never logged.</summary>
    public required string Ins { get; set; }

    /// <summary>A random name for the audit and the logs, which must not carry the INS.</summary>
    public required string Pseudonym { get; set; }

    /// <summary>Null until activation.</summary>
    public string? PasswordHash { get; set; }

    /// <summary>The personal address chosen at activation, where one-time codes go. Never logged.</summary>
    public string? Email { get; set; }

    /// <summary>0 not activated, 1 active, 2 disabled (<see cref="Accounts.PatientAccountState"/>).</summary>
    public int State { get; set; }

    public long CreatedUnixMs { get; set; }

    public long UpdatedUnixMs { get; set; }
}

/// <summary>The patient's current one-time code (hashed) and the count of codes sent in the current window.</summary>
internal sealed class PatientCodeEntity
{
    public required string Ins { get; set; }

    /// <summary><c>salt:hash</c> in hex (SHA-256 over salt, INS and code); empty once used or void.</summary>
    public required string CodeHash { get; set; }

    public long ExpiresUnixMs { get; set; }

    /// <summary>Wrong entries against the current code.</summary>
    public int Attempts { get; set; }

    public long WindowStartUnixMs { get; set; }

    public int SentInWindow { get; set; }
}

internal sealed class SchemaVersionEntity
{
    public int Version { get; set; }

    public long AppliedUnixMs { get; set; }
}
