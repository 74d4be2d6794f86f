using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using OpenMss.Core.Identifiers;

namespace OpenMss.Identity.Validation;

/// <summary>
/// Checks OAuth 2.0 bearer access tokens that are JWTs (RFC 9068 profile, RFC 7519) for the IMAP
/// and submission servers, without ASP.NET Core: signature against the issuer's JWKS (found through
/// OpenID Connect Discovery 1.0 and cached), issuer, audience, lifetime, optionally a scope. Works
/// with this project's <see cref="IdentityProvider"/> and with any issuer that publishes discovery
/// and signs its access tokens with an asymmetric key. Optionally (<see cref="AccessTokenValidatorOptions.IntrospectionClientId"/>)
/// a token that passes is also introspected (RFC 7662) so that a disabled account's tokens stop
/// working within a short cache time; without an answer from the issuer such a token is refused.
/// Thread-safe; keep one per issuer.
/// </summary>
public sealed partial class AccessTokenValidator : IDisposable
{
    /// <summary>Tokens longer than this are refused before any parsing.</summary>
    public const int MaximumTokenLength = 16 * 1024;

    private static readonly string[] AllowedAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    private readonly AccessTokenValidatorOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly HttpDocumentRetriever _retriever;
    private readonly Uri _metadataAddress;
    private readonly string[] _validIssuers;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly SemaphoreSlim _fetchLock = new(1, 1);
    private readonly TimeProvider _time;

    private OpenIdConnectConfiguration? _configuration;
    private DateTimeOffset _fetchedAt;
    private DateTimeOffset _lastForcedRefresh = DateTimeOffset.MinValue;
    private DateTimeOffset _lastFailure = DateTimeOffset.MinValue;

    private const int MaximumCachedIntrospections = 10_000;
    private static readonly TimeSpan MaximumIntrospectionCacheDuration = TimeSpan.FromMinutes(5);

    // Keyed by the SHA-256 of the token: the cache never holds a token.
    private readonly ConcurrentDictionary<string, CachedIntrospection> _introspections = new(StringComparer.Ordinal);

    /// <summary>A validator for <paramref name="issuer"/>'s tokens meant for <paramref name="audience"/>.</summary>
    public AccessTokenValidator(Uri issuer, string audience = IdentityProtocol.MailAudience, HttpMessageHandler? backchannelHandler = null, ILogger<AccessTokenValidator>? logger = null)
        : this(new AccessTokenValidatorOptions { Issuer = issuer, Audience = audience, BackchannelHandler = backchannelHandler }, logger)
    {
    }

    /// <summary>A validator configured by <paramref name="options"/>.</summary>
    public AccessTokenValidator(AccessTokenValidatorOptions options, ILogger<AccessTokenValidator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Issuer);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Audience);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.SubjectClaim);
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        if ((options.Holder == TokenHolder.Patient && options.Audience == IdentityProtocol.MailAudience)
            || (options.Holder == TokenHolder.Professional && options.Audience == IdentityProtocol.PatientMailAudience))
        {
            throw new ArgumentException("The audience belongs to the other kind of account holder.", nameof(options));
        }

        _time = options.TimeProvider;
        var issuer = options.Issuer;
        // HTTPS only, loopback included: discovery, keys and introspection carry what decides
        // who may read a mailbox (OAuth 2.0 Security BCP, RFC 9700 §2.6).
        if (!issuer.IsAbsoluteUri || issuer.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException("The issuer must be an absolute https URL.", nameof(options));
        }

        if (options.IntrospectionClientId is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(options.IntrospectionClientId);
            if (string.IsNullOrEmpty(options.IntrospectionClientSecret))
            {
                throw new ArgumentException("Introspection needs the client secret (RFC 7662 §2.1).", nameof(options));
            }

            if (options.IntrospectionCacheDuration < TimeSpan.Zero || options.IntrospectionCacheDuration > MaximumIntrospectionCacheDuration)
            {
                throw new ArgumentException("The introspection cache duration must be between 0 and 5 minutes.", nameof(options));
            }

            if (options.IntrospectionEndpoint is { } endpoint && (!endpoint.IsAbsoluteUri || endpoint.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException("The introspection endpoint must be an absolute https URL.", nameof(options));
            }
        }

        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var handler = options.BackchannelHandler
            ?? (options.TrustAnchor is { } anchor ? TrustAnchorHandler.Create(anchor) : new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        _http = new HttpClient(handler, disposeHandler: options.BackchannelHandler is null) { Timeout = TimeSpan.FromSeconds(15) };
        _retriever = new HttpDocumentRetriever(_http) { RequireHttps = true };

        var text = issuer.AbsoluteUri;
        var withoutSlash = text.TrimEnd('/');
        _validIssuers = [withoutSlash, withoutSlash + "/"];
        _metadataAddress = options.MetadataAddress ?? new Uri(withoutSlash + "/.well-known/openid-configuration");
    }

    /// <summary>The issuer whose tokens are accepted.</summary>
    public Uri Issuer => _options.Issuer;

    /// <summary>The audience required.</summary>
    public string Audience => _options.Audience;

    /// <summary>
    /// Checks an access token. Never throws for a bad token or an unreachable issuer: the result
    /// says why (<see cref="TokenCheck.Failure"/>). Only cancellation throws.
    /// </summary>
    public async Task<TokenCheck> ValidateAsync(string accessToken, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(accessToken) || accessToken.Length > MaximumTokenLength || !_handler.CanReadToken(accessToken))
        {
            return Reject("malformed token");
        }

        var configuration = await GetConfigurationAsync(forceRefresh: false, cancellationToken).ConfigureAwait(false);
        if (configuration is null)
        {
            return Reject("issuer metadata unavailable", issuerUnavailable: true);
        }

        var result = await _handler.ValidateTokenAsync(accessToken, Parameters(configuration)).ConfigureAwait(false);
        if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // The issuer may have rotated its keys since the JWKS was fetched.
            var refreshed = await GetConfigurationAsync(forceRefresh: true, cancellationToken).ConfigureAwait(false);
            if (refreshed is not null && !ReferenceEquals(refreshed, configuration))
            {
                result = await _handler.ValidateTokenAsync(accessToken, Parameters(refreshed)).ConfigureAwait(false);
            }
        }

        if (!result.IsValid)
        {
            return Reject(Describe(result.Exception));
        }

        var token = (JsonWebToken)result.SecurityToken;
        var subject = Claim(token, _options.SubjectClaim);
        if (string.IsNullOrEmpty(subject))
        {
            return Reject("missing subject");
        }

        var scopes = Scopes(token);
        if (_options.RequiredScope is { } required && !scopes.Contains(required, StringComparer.Ordinal))
        {
            return Reject("missing scope");
        }

        var ins = Claim(token, IdentityProtocol.InsClaim);
        if (_options.Holder == TokenHolder.Professional && ins is not null)
        {
            return Reject("patient token");
        }

        if (_options.Holder == TokenHolder.Patient
            && (ins is null || !InsMatricule.TryParse(ins, out var matricule, out _) || matricule.Value != subject))
        {
            return Reject("not a patient token");
        }

        var rpps = Claim(token, IdentityProtocol.RppsClaim);
        var fromSubject = IdNatPs.TryParse(subject, out var idNat, out _) ? idNat.RppsNumber?.Value : null;
        if (rpps is not null && fromSubject is not null && rpps != fromSubject)
        {
            return Reject("rpps claim does not match subject");
        }

        if (_options.IntrospectionClientId is not null)
        {
            var active = await IntrospectAsync(accessToken, subject, token.ValidTo, configuration, cancellationToken).ConfigureAwait(false);
            if (active is null)
            {
                return Reject("introspection unavailable", issuerUnavailable: true);
            }

            if (!active.Value)
            {
                return Reject("token inactive");
            }
        }

        var name = Claim(token, "name");
        if (name is null)
        {
            var given = Claim(token, "given_name");
            var family = Claim(token, "family_name");
            name = given is null && family is null ? null : string.Join(' ', new[] { given, family }.Where(n => n is not null));
        }

        return new TokenCheck
        {
            IsValid = true,
            Subject = subject,
            Ins = ins,
            Rpps = _options.Holder == TokenHolder.Patient ? null : rpps ?? fromSubject,
            Name = name,
            ClientId = Claim(token, "client_id") ?? Claim(token, "azp"),
            Scopes = scopes,
            Expires = token.ValidTo == DateTime.MinValue ? null : new DateTimeOffset(token.ValidTo, TimeSpan.Zero),
        };
    }

    public void Dispose()
    {
        _http.Dispose();
        _fetchLock.Dispose();
    }

    public override string ToString() => $"Access token validator for {Issuer} (audience {Audience})";

    private TokenValidationParameters Parameters(OpenIdConnectConfiguration configuration) => new()
    {
        ValidIssuers = _validIssuers,
        ValidAudience = _options.Audience,
        IssuerSigningKeys = configuration.SigningKeys,
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = _options.ClockSkew,
        // The library reads the system clock itself; this checks exp and nbf on ours instead.
        LifetimeValidator = ValidateLifetime,
        ValidAlgorithms = AllowedAlgorithms,
        TryAllIssuerSigningKeys = true,
    };

    /// <summary><c>nbf</c> and <c>exp</c> (RFC 7519 §4.1.4–5) against this validator's clock, with <see cref="AccessTokenValidatorOptions.ClockSkew"/>.</summary>
    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (expires is null)
        {
            throw new SecurityTokenNoExpirationException("The token has no expiry.");
        }

        if (notBefore is { } start && start > now + _options.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = start };
        }

        if (expires.Value < now - _options.ClockSkew)
        {
            throw new SecurityTokenExpiredException("The token has expired.") { Expires = expires.Value };
        }

        return true;
    }

    private async Task<OpenIdConnectConfiguration?> GetConfigurationAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var cached = Volatile.Read(ref _configuration);
        if (cached is not null && !forceRefresh && now - _fetchedAt < _options.MetadataRefreshInterval)
        {
            return cached;
        }

        if (forceRefresh && now - _lastForcedRefresh < _options.MinimumRefreshInterval)
        {
            return cached;
        }

        await _fetchLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            now = _time.GetUtcNow();
            if (!ReferenceEquals(_configuration, cached) && _configuration is not null)
            {
                return _configuration;
            }

            // After a failure, wait a little before asking again: logins may come in bursts.
            if (now - _lastFailure < TimeSpan.FromSeconds(2))
            {
                return cached;
            }

            if (forceRefresh)
            {
                _lastForcedRefresh = now;
            }

            try
            {
                var fetched = await OpenIdConnectConfigurationRetriever.GetAsync(_metadataAddress.AbsoluteUri, _retriever, cancellationToken).ConfigureAwait(false);
                if (!_validIssuers.Contains(fetched.Issuer, StringComparer.Ordinal))
                {
                    // OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
                    LogIssuerMismatch(_logger, _options.Issuer);
                    _lastFailure = now;
                    return cached;
                }

                Volatile.Write(ref _configuration, fetched);
                _fetchedAt = now;
                return fetched;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or InvalidOperationException or ArgumentException or JsonException
                                       or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                _lastFailure = now;
                LogMetadataUnavailable(_logger, _metadataAddress, ex.GetType().Name);
                return cached;
            }
        }
        finally
        {
            _fetchLock.Release();
        }
    }

    /// <summary>True or false as the issuer says (RFC 7662 §2.2), reused for the cache time; null when it cannot be asked.</summary>
    private async Task<bool?> IntrospectAsync(string accessToken, string subject, DateTime validTo, OpenIdConnectConfiguration configuration, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(accessToken)));
        if (_introspections.TryGetValue(key, out var cached) && cached.Until > now)
        {
            return cached.Active;
        }

        var endpoint = _options.IntrospectionEndpoint
            ?? (Uri.TryCreate(configuration.IntrospectionEndpoint, UriKind.Absolute, out var published) ? published : null);
        if (endpoint is null || endpoint.Scheme != Uri.UriSchemeHttps)
        {
            LogNoIntrospectionEndpoint(_logger, _options.Issuer);
            return null;
        }

        bool active;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["token"] = accessToken,
                    ["token_type_hint"] = "access_token",
                }),
            };
            var credentials = Uri.EscapeDataString(_options.IntrospectionClientId!) + ":" + Uri.EscapeDataString(_options.IntrospectionClientSecret!);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogIntrospectionFailed(_logger, endpoint, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                return null;
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
                var root = document.RootElement;
                active = root.ValueKind == JsonValueKind.Object
                    && root.TryGetProperty("active", out var flag) && flag.ValueKind == JsonValueKind.True
                    // The answer must be about the same person (an issuer mixing up tokens is not trusted).
                    && (!root.TryGetProperty("sub", out var sub) || (sub.ValueKind == JsonValueKind.String && sub.GetString() == subject));
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or JsonException
                                   or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogIntrospectionFailed(_logger, endpoint, ex.GetType().Name);
            return null;
        }

        var until = now + _options.IntrospectionCacheDuration;
        var expires = new DateTimeOffset(DateTime.SpecifyKind(validTo, DateTimeKind.Utc));
        if (validTo != DateTime.MinValue && expires < until)
        {
            until = expires;
        }

        if (_introspections.Count >= MaximumCachedIntrospections)
        {
            foreach (var (entryKey, entry) in _introspections)
            {
                if (entry.Until <= now)
                {
                    _introspections.TryRemove(entryKey, out _);
                }
            }

            if (_introspections.Count >= MaximumCachedIntrospections)
            {
                _introspections.Clear();
            }
        }

        _introspections[key] = new CachedIntrospection(active, until);
        return active;
    }

    private TokenCheck Reject(string failure, bool issuerUnavailable = false)
    {
        LogRejected(_logger, failure);
        return TokenCheck.Invalid(failure) with { IssuerUnavailable = issuerUnavailable };
    }

    private static string Describe(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "token expired",
        SecurityTokenNotYetValidException => "token not yet valid",
        SecurityTokenNoExpirationException => "token has no expiry",
        SecurityTokenInvalidAudienceException => "wrong audience",
        SecurityTokenInvalidIssuerException => "wrong issuer",
        SecurityTokenSignatureKeyNotFoundException => "unknown signing key",
        SecurityTokenInvalidSignatureException => "bad signature",
        SecurityTokenInvalidAlgorithmException => "signature algorithm not allowed",
        SecurityTokenMalformedException => "malformed token",
        SecurityTokenInvalidLifetimeException => "invalid lifetime",
        SecurityTokenException => "invalid token",
        _ => "invalid token",
    };

    private static string? Claim(JsonWebToken token, string type) =>
        token.TryGetPayloadValue<string>(type, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

    private static List<string> Scopes(JsonWebToken token)
    {
        if (token.TryGetPayloadValue<string>("scope", out var scope) && !string.IsNullOrWhiteSpace(scope))
        {
            return scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        }

        if (token.TryGetPayloadValue<string[]>("scp", out var array) && array is not null)
        {
            return array.Where(s => !string.IsNullOrWhiteSpace(s)).ToList();
        }

        if (token.TryGetPayloadValue<string>("scp", out var text) && !string.IsNullOrWhiteSpace(text))
        {
            return text.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        }

        return [];
    }

    [LoggerMessage(EventId = 4200, Level = LogLevel.Debug, Message = "Access token refused: {Failure}")]
    private static partial void LogRejected(ILogger logger, string failure);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "OpenID Connect metadata from {Address} unavailable ({Error})")]
    private static partial void LogMetadataUnavailable(ILogger logger, Uri address, string error);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "The discovery document does not name the expected issuer {Issuer}")]
    private static partial void LogIssuerMismatch(ILogger logger, Uri issuer);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "Token introspection at {Endpoint} failed ({Error}); the token is refused")]
    private static partial void LogIntrospectionFailed(ILogger logger, Uri endpoint, string error);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Warning, Message = "Issuer {Issuer} publishes no usable introspection endpoint; tokens are refused")]
    private static partial void LogNoIntrospectionEndpoint(ILogger logger, Uri issuer);

    private sealed record CachedIntrospection(bool Active, DateTimeOffset Until);
}
