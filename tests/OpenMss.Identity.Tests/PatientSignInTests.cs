using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using MimeKit;
using OpenMss.Identity.Accounts;
using OpenMss.Identity.Tests.Support;
using OpenMss.Identity.Validation;
using OpenMss.InternetMail.Catcher;
using OpenMss.InternetMail.Smarthost;
using OpenMss.Testing;

namespace OpenMss.Identity.Tests;

/// <summary>
/// Patients of Mon espace santé signing in through the provider over HTTPS: INS and password, then
/// the one-time code the provider sends by e-mail, read here from the demo catcher's .eml files
/// (the real smarthost sender over STARTTLS with credentials).
/// </summary>
public sealed partial class PatientSignInTests
{
    private const string SmarthostUser = "idp";
    private const string SmarthostPassword = "smarthost-secret-42";

    [Fact]
    public async Task A_patient_signs_in_with_ins_password_and_the_emailed_code_and_gets_a_patient_token()
    {
        await using var env = await PatientEnvironment.StartAsync();
        var patient = await env.CreatePatientAsync();
        using var browser = env.Browser();
        var (verifier, challenge) = Pkce();

        using var page = await browser.GetAsync(AuthorizeUrl(challenge, "openid patient-mail offline_access"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Compte patient", html, StringComparison.Ordinal);
        Assert.Contains("Matricule INS", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Identifiant RPPS", html, StringComparison.Ordinal);

        using var codePage = await PostPasswordAsync(browser, html, patient.Ins, patient.Password);
        Assert.Equal(HttpStatusCode.OK, codePage.StatusCode);
        var codeHtml = await codePage.Content.ReadAsStringAsync();
        Assert.Contains("Code reçu par courriel", codeHtml, StringComparison.Ordinal);
        Assert.DoesNotContain(patient.Ins, codeHtml, StringComparison.Ordinal);

        // The mail: to the personal address, only the code, its validity and Mon espace santé.
        var mail = await env.NextMailAsync();
        Assert.Equal(patient.Email, ((MailboxAddress)mail.To.Single()).Address);
        Assert.Equal("Votre code de connexion à Mon espace santé", mail.Subject);
        var text = mail.TextBody ?? string.Empty;
        var code = CodeInMail().Match(text).Groups[1].Value;
        Assert.Matches("^[0-9]{6}$", code);
        Assert.Contains("10 minutes", text, StringComparison.Ordinal);
        Assert.Contains("Mon espace santé", text, StringComparison.Ordinal);
        Assert.DoesNotContain(patient.Ins, mail.ToString(), StringComparison.Ordinal);

        using var signedIn = await PostCodeAsync(browser, codeHtml, code);
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        using var redirect = await browser.GetAsync(signedIn.Headers.Location!);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        var authorizationCode = QueryHelpers.ParseQuery(redirect.Headers.Location!.Query)["code"].ToString();
        var tokens = await env.Host.PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = IdentityTestHost.WebClient,
            ["code"] = authorizationCode,
            ["redirect_uri"] = IdentityTestHost.WebRedirect.AbsoluteUri,
            ["code_verifier"] = verifier,
        });
        Assert.Equal(HttpStatusCode.OK, tokens.Status);

        // The patient space accepts it; a professional operator's IMAP and submission do not.
        using var patientSpace = env.Validator(TokenHolder.Patient, IdentityProtocol.PatientMailAudience);
        var accepted = await patientSpace.ValidateAsync(tokens.AccessToken);
        Assert.True(accepted.IsValid, accepted.Failure);
        Assert.Equal(patient.Ins, accepted.Ins);
        Assert.Contains(IdentityProtocol.PatientMailScope, accepted.Scopes);
        Assert.DoesNotContain(IdentityProtocol.MailScope, accepted.Scopes);
        using var professionalOperator = env.Validator(TokenHolder.Professional, IdentityProtocol.MailAudience);
        var refused = await professionalOperator.ValidateAsync(tokens.AccessToken);
        Assert.False(refused.IsValid);
        Assert.Equal("wrong audience", refused.Failure);

        // The code served once: the same browser session, a new flow, the code again is refused.
        var refreshed = await env.Host.PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = IdentityTestHost.WebClient,
            ["refresh_token"] = tokens.RefreshToken!,
        });
        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        Assert.True((await patientSpace.ValidateAsync(refreshed.AccessToken)).IsValid);

        // Disabled at opposition: no more refresh.
        Assert.True(await env.Host.Provider.Patients.DisableAsync(patient.Ins));
        var afterOpposition = await env.Host.PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = IdentityTestHost.WebClient,
            ["refresh_token"] = refreshed.RefreshToken!,
        });
        Assert.Equal("invalid_grant", afterOpposition.Error);

        env.AssertNoSecretInLogs(patient, code);
    }

    [Fact]
    public async Task A_professional_token_is_refused_by_the_patient_space_and_never_gets_the_patient_scope()
    {
        await using var env = await PatientEnvironment.StartAsync();
        var account = await env.Host.CreateAccountAsync();
        var tokens = await env.Host.PasswordGrantAsync(account, scope: "openid mail patient-mail");
        Assert.Equal(HttpStatusCode.OK, tokens.Status);

        using var patientSpace = env.Validator(TokenHolder.Patient, IdentityProtocol.PatientMailAudience);
        var refused = await patientSpace.ValidateAsync(tokens.AccessToken);
        Assert.False(refused.IsValid);
        using var professionalOperator = env.Validator(TokenHolder.Professional, IdentityProtocol.MailAudience);
        var accepted = await professionalOperator.ValidateAsync(tokens.AccessToken);
        Assert.True(accepted.IsValid, accepted.Failure);
        Assert.DoesNotContain(IdentityProtocol.PatientMailScope, accepted.Scopes);

        // A professional asking only for the patient scope gets no mail audience at all.
        var patientOnly = await env.Host.PasswordGrantAsync(account, scope: "openid patient-mail");
        if (patientOnly.Status == HttpStatusCode.OK)
        {
            Assert.False((await patientSpace.ValidateAsync(patientOnly.AccessToken)).IsValid);
            Assert.False((await professionalOperator.ValidateAsync(patientOnly.AccessToken)).IsValid);
        }
    }

    [Fact]
    public async Task A_code_expires_on_the_providers_clock()
    {
        await using var env = await PatientEnvironment.StartAsync();
        var (patient, browser, html, codeHtml, code) = await FirstStepAsync(env);
        using var disposeBrowser = browser;

        env.Host.Time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        using var late = await PostCodeAsync(browser, codeHtml, code);
        Assert.NotEqual(HttpStatusCode.SeeOther, late.StatusCode);
        Assert.Contains("Code incorrect ou expiré", await late.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Starting again sends a new code, which works.
        using var again = await PostPasswordAsync(browser, html, patient.Ins, patient.Password);
        var againHtml = await again.Content.ReadAsStringAsync();
        var fresh = CodeInMail().Match((await env.NextMailAsync()).TextBody ?? string.Empty).Groups[1].Value;
        using var signedIn = await PostCodeAsync(browser, againHtml, fresh);
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
    }

    [Fact]
    public async Task A_wrong_code_is_refused_and_a_few_wrong_codes_void_the_right_one()
    {
        await using var env = await PatientEnvironment.StartAsync();
        var (patient, browser, html, codeHtml, code) = await FirstStepAsync(env);
        using var disposeBrowser = browser;
        var wrong = code == "000000" ? "111111" : "000000";

        using var first = await PostCodeAsync(browser, codeHtml, wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
        Assert.Contains("Code incorrect ou expiré", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        for (var i = 1; i < new PatientCodeOptions().MaxAttempts; i++)
        {
            using var next = await PostCodeAsync(browser, codeHtml, wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, next.StatusCode);
        }

        using var voided = await PostCodeAsync(browser, codeHtml, code);
        Assert.NotEqual(HttpStatusCode.SeeOther, voided.StatusCode);

        var audit = await env.Host.Provider.Audit.QueryAsync(patient.Pseudonym);
        Assert.Contains(audit, a => a.Method == "patient_code" && a.Reason == "wrong_code");
    }

    [Fact]
    public async Task Codes_sent_to_one_patient_are_rate_limited()
    {
        await using var env = await PatientEnvironment.StartAsync();
        var patient = await env.CreatePatientAsync();
        using var browser = env.Browser();
        var html = await browser.GetStringAsync(AuthorizeUrl(Pkce().Challenge, "openid patient-mail"));
        var limit = new PatientCodeOptions().MaxSendsPerWindow;
        for (var i = 0; i < limit; i++)
        {
            using var sent = await PostPasswordAsync(browser, html, patient.Ins, patient.Password);
            Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        }

        using var refused = await PostPasswordAsync(browser, html, patient.Ins, patient.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains("Trop de codes envoyés", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(limit, env.Catcher.Messages().Count);

        // After the window, codes go again.
        env.Host.Time.Advance(new PatientCodeOptions().SendWindow);
        using var later = await PostPasswordAsync(browser, html, patient.Ins, patient.Password);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    [Fact]
    public async Task Not_activated_disabled_and_wrong_password_accounts_get_the_same_refusal_and_no_mail()
    {
        await using var env = await PatientEnvironment.StartAsync();
        var pending = TestIns.NewIns();
        await env.Host.Provider.Patients.CreateAsync(pending);
        var opposed = await env.CreatePatientAsync();
        Assert.True(await env.Host.Provider.Patients.DisableAsync(opposed.Ins));
        Assert.False(await env.Host.Provider.Patients.ActivateAsync(opposed.Ins, "Nouveau-mot-de-passe", "autre@example.org"));
        var active = await env.CreatePatientAsync();
        using var browser = env.Browser();
        var html = await browser.GetStringAsync(AuthorizeUrl(Pkce().Challenge, "openid patient-mail"));

        foreach (var (ins, password) in new[] { (pending, "Mot-de-passe-123"), (opposed.Ins, opposed.Password), (active.Ins, "mauvais-mot-de-passe") })
        {
            using var refused = await PostPasswordAsync(browser, html, ins, password);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("Matricule INS ou mot de passe incorrect, ou compte non activé.", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Empty(env.Catcher.Messages());
    }

    /// <summary>A new patient past the first step: the page with the code form and the code from the mail.</summary>
    private static async Task<(TestPatient Patient, HttpClient Browser, string SignInHtml, string CodeHtml, string Code)> FirstStepAsync(PatientEnvironment env)
    {
        var patient = await env.CreatePatientAsync();
        var browser = env.Browser();
        var html = await browser.GetStringAsync(AuthorizeUrl(Pkce().Challenge, "openid patient-mail"));
        using var codePage = await PostPasswordAsync(browser, html, patient.Ins, patient.Password);
        var codeHtml = await codePage.Content.ReadAsStringAsync();
        var code = CodeInMail().Match((await env.NextMailAsync()).TextBody ?? string.Empty).Groups[1].Value;
        return (patient, browser, html, codeHtml, code);
    }

    private static string AuthorizeUrl(string challenge, string scope) =>
        "connect/authorize?client_id=" + IdentityTestHost.WebClient
        + "&redirect_uri=" + Uri.EscapeDataString(IdentityTestHost.WebRedirect.AbsoluteUri)
        + "&response_type=code&scope=" + Uri.EscapeDataString(scope)
        + "&code_challenge=" + challenge + "&code_challenge_method=S256&state=s";

    private static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64UrlTextEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64UrlTextEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    private static Task<HttpResponseMessage> PostPasswordAsync(HttpClient browser, string html, string ins, string password) =>
        browser.PostAsync("connect/patient/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = Field(html, "__RequestVerificationToken"),
            ["returnQuery"] = Field(html, "returnQuery"),
            ["ins"] = ins,
            ["password"] = password,
        }));

    private static Task<HttpResponseMessage> PostCodeAsync(HttpClient browser, string html, string code) =>
        browser.PostAsync("connect/patient/code", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = Field(html, "__RequestVerificationToken"),
            ["returnQuery"] = Field(html, "returnQuery"),
            ["pending"] = Field(html, "pending"),
            ["code"] = code,
        }));

    private static string Field(string html, string name)
    {
        var value = WebUtility.HtmlDecode(Regex.Match(html, "name=\"" + name + "\" value=\"([^\"]*)\"").Groups[1].Value);
        Assert.False(string.IsNullOrEmpty(value), name);
        return value;
    }

    [GeneratedRegex(@"est : ([0-9]{6})")]
    private static partial Regex CodeInMail();

    internal sealed record TestPatient(string Ins, string Password, string Email, string Pseudonym);

    /// <summary>The provider over HTTPS and the catcher it sends codes to through the smarthost sender (STARTTLS, credentials).</summary>
    internal sealed class PatientEnvironment : IAsyncDisposable
    {
        private int _read;

        private PatientEnvironment(IdentityTestHost host, InternetMailCatcher catcher)
        {
            Host = host;
            Catcher = catcher;
        }

        public IdentityTestHost Host { get; }

        public InternetMailCatcher Catcher { get; }

        public static async Task<PatientEnvironment> StartAsync()
        {
            var folder = Path.Combine(Path.GetTempPath(), "openmss-catcher-" + Guid.NewGuid().ToString("N")[..12]);
            var certificate = TestPki.Authority.IssueOperatorCertificate("Smarthost de test", ["localhost"]).Certificate;
            var catcher = await InternetMailCatcher.StartAsync(new InternetMailCatcherOptions
            {
                Folder = folder,
                ServerCertificate = certificate,
                UserName = SmarthostUser,
                Password = SmarthostPassword,
            });
            var sender = new SmarthostMailSender(new SmarthostOptions
            {
                Host = "localhost",
                Port = catcher.EndPoint.Port,
                UserName = SmarthostUser,
                Password = SmarthostPassword,
                TrustedRoot = TestPki.Anchor,
                From = "ne-pas-repondre@monespacesante.test",
            });
            var identity = TestPki.Authority.IssueOperatorCertificate("Identité OpenMSS", ["localhost"]).Certificate;
            var host = await IdentityTestHost.StartAsync(options =>
            {
                options.ServerCertificate = identity;
                options.PublicHostName = "localhost";
                options.InternetMail = sender;
                options.FrameworkLogLevel = Microsoft.Extensions.Logging.LogLevel.Information;
            });
            return new PatientEnvironment(host, catcher);
        }

        public async Task<TestPatient> CreatePatientAsync()
        {
            var ins = TestIns.NewIns();
            var password = "Mot-de-passe-" + Guid.NewGuid().ToString("N")[..10];
            var email = "patient." + Guid.NewGuid().ToString("N")[..8] + "@example.org";
            var account = await Host.Provider.Patients.CreateAsync(ins);
            Assert.Equal(PatientAccountState.NotActivated, account.State);
            Assert.True(await Host.Provider.Patients.ActivateAsync(ins, password, email));
            return new TestPatient(ins, password, email, account.Pseudonym);
        }

        public HttpClient Browser()
        {
            var handler = (SocketsHttpHandler)TrustAnchorHandler.Create(TestPki.Anchor);
            handler.AllowAutoRedirect = false;
            handler.UseCookies = true;
            handler.CookieContainer = new CookieContainer();
            return new HttpClient(handler) { BaseAddress = Host.Provider.Issuer };
        }

        public AccessTokenValidator Validator(TokenHolder holder, string audience) =>
            new(new AccessTokenValidatorOptions
            {
                Issuer = Host.Provider.Issuer,
                Audience = audience,
                Holder = holder,
                TrustAnchor = TestPki.Anchor,
                TimeProvider = Host.Time,
            });

        /// <summary>The next message the catcher received (the sender returns once it is accepted, so it is there).</summary>
        public async Task<MimeMessage> NextMailAsync()
        {
            var files = Catcher.Messages();
            Assert.True(files.Count > _read, "no new message in the catcher");
            return await MimeMessage.LoadAsync(files[_read++]);
        }

        public void AssertNoSecretInLogs(TestPatient patient, string code)
        {
            var logs = Host.Logs.AllText();
            Assert.NotEmpty(logs);
            Assert.DoesNotContain(patient.Ins, logs, StringComparison.Ordinal);
            Assert.DoesNotContain(patient.Email, logs, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(patient.Password, logs, StringComparison.Ordinal);
            Assert.DoesNotContain("est : " + code, logs, StringComparison.Ordinal);
            Assert.DoesNotContain("code=" + code, logs, StringComparison.Ordinal);
        }

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            var folder = Catcher.Folder;
            await Catcher.DisposeAsync();
            IdentityTestHost.DeleteDirectory(folder);
        }
    }
}
