using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using System.Security.Cryptography.X509Certificates;
using OpenMss.Identity.Accounts;
using OpenMss.Identity.Validation;

namespace OpenMss.Identity.Tests.Support;

/// <summary>A professional created for a test, with what they type to sign in.</summary>
public sealed record TestAccount(string Rpps, string Password, string Secret, string DisplayName)
{
    public string Subject => "8" + Rpps;
}

/// <summary>The answer of the token endpoint.</summary>
public sealed record TokenReply(HttpStatusCode Status, JsonElement Json, string? RetryAfter)
{
    public string? Error => Json.TryGetProperty("error", out var e) ? e.GetString() : null;

    public string? ErrorDescription => Json.TryGetProperty("error_description", out var e) ? e.GetString() : null;

    public string AccessToken => Json.GetProperty("access_token").GetString()!;

    public string? RefreshToken => Json.TryGetProperty("refresh_token", out var e) ? e.GetString() : null;
}

/// <summary>
/// A real identity provider on 127.0.0.1 over HTTPS (issuer <c>https://localhost:{port}/</c>, a
/// server certificate from the test trust authority) in a temporary folder, with a fake clock for
/// one-time codes and lockouts, captured logs, and the test clients:
/// <c>mail-client</c> (public, password grant), <c>web</c> (public, code + PKCE),
/// <c>service</c> (confidential, client credentials).
/// </summary>
public sealed class IdentityTestHost : IAsyncDisposable
{
    public const string MailClient = "mail-client";
    public const string WebClient = "web";
    public const string ServiceClient = "service";
    public const string ServiceSecret = "service-secret-0123456789";
    public static readonly Uri WebRedirect = new("http://127.0.0.1:9/callback");

    private readonly bool _ownsDirectory;

    private IdentityTestHost(IdentityProvider provider, FakeTimeProvider time, CapturingLoggerProvider logs, ILoggerFactory loggerFactory, string directory, bool ownsDirectory)
    {
        Provider = provider;
        Time = time;
        Logs = logs;
        LoggerFactory = loggerFactory;
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        var handler = TrustingHandler();
        handler.UseCookies = false;
        Http = new HttpClient(handler) { BaseAddress = provider.Issuer };
    }

    public IdentityProvider Provider { get; }

    public FakeTimeProvider Time { get; }

    public CapturingLoggerProvider Logs { get; }

    public ILoggerFactory LoggerFactory { get; }

    public string Directory { get; }

    public HttpClient Http { get; }

    /// <summary>The server certificate every test provider presents unless a test sets another: <c>localhost</c>, from the test authority.</summary>
    public static X509Certificate2 ServerCertificate => LocalhostCertificate.Value;

    private static readonly Lazy<X509Certificate2> LocalhostCertificate =
        new(() => OpenMss.Testing.TestPki.Authority.IssueServerCertificate("Identité OpenMSS (tests)", ["localhost"]).Certificate);

    /// <summary>A handler that trusts the provider's certificate by the test trust anchor, and follows no redirect.</summary>
    public static SocketsHttpHandler TrustingHandler()
    {
        var handler = (SocketsHttpHandler)TrustAnchorHandler.Create(OpenMss.Testing.TestPki.Anchor);
        handler.AllowAutoRedirect = false;
        return handler;
    }

    /// <summary>A browser's handler: trusts the test anchor, keeps cookies (sent back over HTTPS only when Secure), follows no redirect.</summary>
    public static SocketsHttpHandler BrowserHandler()
    {
        var handler = TrustingHandler();
        handler.UseCookies = true;
        handler.CookieContainer = new CookieContainer();
        return handler;
    }

    /// <summary>A token validator for this provider, trusting its certificate by the test trust anchor.</summary>
    public AccessTokenValidator Validator(string audience = IdentityProtocol.MailAudience, ILogger<AccessTokenValidator>? logger = null) =>
        new(new AccessTokenValidatorOptions { Issuer = Provider.Issuer, Audience = audience, TrustAnchor = OpenMss.Testing.TestPki.Anchor }, logger);

    public static IdentityClient[] DefaultClients() =>
    [
        new IdentityClient { ClientId = MailClient, DisplayName = "Messagerie", AllowPasswordGrant = true },
        new IdentityClient { ClientId = WebClient, DisplayName = "Espace pharmacie", RedirectUris = [WebRedirect], PostLogoutRedirectUris = [new Uri("http://127.0.0.1:9/")] },
        new IdentityClient { ClientId = ServiceClient, ClientSecret = ServiceSecret, AllowClientCredentials = true, AllowRefreshTokens = false },
    ];

    public static async Task<IdentityTestHost> StartAsync(Action<IdentityProviderOptions>? configure = null, string? directory = null, FakeTimeProvider? time = null, CapturingLoggerProvider? logs = null)
    {
        var ownsDirectory = directory is null;
        directory ??= Path.Combine(Path.GetTempPath(), "openmss-identity-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        time ??= new FakeTimeProvider(DateTimeOffset.UtcNow);
        logs ??= new CapturingLoggerProvider();
        var loggerFactory = logs.CreateFactory();
        var options = new IdentityProviderOptions
        {
            DataDirectory = directory,
            TimeProvider = time,
            Clients = DefaultClients().ToList(),
            ServerCertificate = ServerCertificate,
            PublicHostName = "localhost",
        };
        configure?.Invoke(options);
        var provider = await IdentityProvider.StartAsync(options, loggerFactory);
        return new IdentityTestHost(provider, time, logs, loggerFactory, directory, ownsDirectory);
    }

    public async Task<TestAccount> CreateAccountAsync(string displayName = "Dr Marie Curie")
    {
        var rpps = TestIdentifiers.NewRpps();
        var password = "Mot-de-passe-" + Guid.NewGuid().ToString("N")[..10];
        var enrollment = await Provider.CreateOrUpdateAccountAsync(rpps, displayName, password);
        return new TestAccount(rpps, password, enrollment.SecretBase32, displayName);
    }

    /// <summary>The code of the current step, or of a step before/after it.</summary>
    public string Code(TestAccount account, int stepOffset = 0) =>
        OneTimeCodes.Compute(account.Secret, Time.GetUtcNow().AddSeconds(stepOffset * OneTimeCodes.StepSeconds));

    public Task<TokenReply> PasswordGrantAsync(TestAccount account, string? code = null, string clientId = MailClient, string scope = "openid profile mail offline_access") =>
        PasswordGrantAsync(account.Rpps, account.Password, code ?? Code(account), clientId, scope);

    public async Task<TokenReply> PasswordGrantAsync(string username, string password, string code, string clientId = MailClient, string scope = "openid profile mail offline_access")
    {
        return await PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = clientId,
            ["username"] = username,
            ["password"] = password,
            ["otp"] = code,
            ["scope"] = scope,
        });
    }

    public async Task<TokenReply> PostTokenAsync(Dictionary<string, string> form)
    {
        using var response = await Http.PostAsync("connect/token", new FormUrlEncodedContent(form));
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        var retryAfter = response.Headers.RetryAfter?.Delta is { } delta ? ((int)delta.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        return new TokenReply(response.StatusCode, document.RootElement.Clone(), retryAfter);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Provider.DisposeAsync();
        LoggerFactory.Dispose();
        if (_ownsDirectory)
        {
            DeleteDirectory(Directory);
        }
    }

    public static void DeleteDirectory(string directory)
    {
        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A pooled SQLite handle may outlive the provider for a moment; the folder is in /tmp.
        }
    }
}
