using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpenMss.Core.Privacy;
using OpenMss.Identity.Storage;

namespace OpenMss.Identity.SignIn;

/// <summary>How a sign-in attempt came in.</summary>
public static class SignInMethods
{
    /// <summary>The sign-in page of the authorization code flow.</summary>
    public const string SignInPage = "signin_page";

    /// <summary>The resource owner password grant (RFC 6749 §4.3) with the <c>otp</c> field.</summary>
    public const string PasswordGrant = "password_grant";

    /// <summary>The client credentials grant (RFC 6749 §4.4): the actor is the client.</summary>
    public const string ClientCredentials = "client_credentials";

    /// <summary>The patient sign-in page, first step: INS and password (the actor is the patient's pseudonym, never the INS).</summary>
    public const string PatientPassword = "patient_password";

    /// <summary>The patient sign-in page, second step: the one-time code sent by e-mail.</summary>
    public const string PatientCode = "patient_code";

    /// <summary>A refresh token exchanged (RFC 6749 §6).</summary>
    public const string RefreshToken = "refresh_token";
}

/// <summary>
/// One sign-in attempt in the audit trail: who (the idNat_PS, or the client for client credentials;
/// null when the identifier typed was not a valid one), from where, how, when, and the outcome.
/// Never the password, the code or a token.
/// </summary>
/// <param name="Result"><c>success</c>, <c>failure</c> or <c>locked</c>.</param>
/// <param name="Reason">For operators: <c>ok</c>, <c>invalid_identifier</c>, <c>unknown_account</c>, <c>wrong_password</c>, <c>wrong_code</c>, <c>replayed_code</c>, <c>rate_limited</c>, <c>account_deleted</c>, <c>account_disabled</c>.</param>
public sealed record SignInAuditRecord(
    long Id,
    DateTimeOffset Time,
    string? Actor,
    string? ClientAddress,
    string? ClientId,
    string Method,
    string Result,
    string Reason);

/// <summary>
/// The sign-in audit of the identity provider: each attempt is logged to the
/// <c>OpenMss.Audit.Identity</c> category and written to the <c>identity_signin_audit</c> table.
/// </summary>
public sealed partial class SignInAuditLog
{
    /// <summary>Logger category of the identity audit.</summary>
    public const string LoggerCategory = "OpenMss.Audit.Identity";

    private readonly DbContextOptions<IdentityDbContext> _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    internal SignInAuditLog(DbContextOptions<IdentityDbContext> options, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _options = options;
        _logger = loggerFactory.CreateLogger(LoggerCategory);
        _time = time;
    }

    internal async Task RecordAsync(string? actor, string? clientAddress, string? clientId, string method, string result, string reason, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        // The log names a professional by idNat_PS and any other actor by pseudonym (a patient's
        // login is their INS); the audit table below, whose access is restricted, keeps it whole.
        LogAttempt(_logger, result, LogPseudonym.Actor(actor) ?? "(invalid identifier)", clientAddress ?? "-", method, clientId ?? "-", reason);
        var context = new IdentityDbContext(_options);
        await using (context.ConfigureAwait(false))
        {
            context.SignInAudit.Add(new SignInAuditEntity
            {
                TimeUnixMs = now.ToUnixTimeMilliseconds(),
                Actor = Truncate(actor, 100),
                ClientAddress = Truncate(clientAddress, 64),
                ClientId = Truncate(clientId, 100),
                Method = method,
                Result = result,
                Reason = reason,
            });
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Attempts, newest first, optionally for one actor and from a time on.</summary>
    public async Task<IReadOnlyList<SignInAuditRecord>> QueryAsync(string? actor = null, DateTimeOffset? since = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        var context = new IdentityDbContext(_options);
        await using (context.ConfigureAwait(false))
        {
            IQueryable<SignInAuditEntity> query = context.SignInAudit.AsNoTracking();
            if (actor is not null)
            {
                query = query.Where(a => a.Actor == actor);
            }

            if (since is { } from)
            {
                var fromMs = from.ToUnixTimeMilliseconds();
                query = query.Where(a => a.TimeUnixMs >= fromMs);
            }

            var rows = await query.OrderByDescending(a => a.Id).Take(Math.Clamp(limit, 1, 100_000)).ToListAsync(cancellationToken).ConfigureAwait(false);
            return rows.Select(r => new SignInAuditRecord(r.Id, DateTimeOffset.FromUnixTimeMilliseconds(r.TimeUnixMs), r.Actor, r.ClientAddress, r.ClientId, r.Method, r.Result, r.Reason)).ToList();
        }
    }

    /// <summary>Deletes attempts older than <paramref name="retention"/>; returns how many.</summary>
    public async Task<int> PurgeAsync(TimeSpan retention, CancellationToken cancellationToken = default)
    {
        var limit = (_time.GetUtcNow() - retention).ToUnixTimeMilliseconds();
        var context = new IdentityDbContext(_options);
        await using (context.ConfigureAwait(false))
        {
            return await context.SignInAudit.Where(a => a.TimeUnixMs < limit).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static string? Truncate(string? value, int length) =>
        value is null || value.Length <= length ? value : value[..length];

    [LoggerMessage(EventId = 4100, Level = LogLevel.Information,
        Message = "Identity sign-in {Result}: actor {Actor} from {ClientAddress} via {Method} (client {ClientId}), {Reason}")]
    private static partial void LogAttempt(ILogger logger, string result, string actor, string clientAddress, string method, string clientId, string reason);
}
