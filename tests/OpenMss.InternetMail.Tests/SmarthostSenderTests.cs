using MimeKit;
using OpenMss.Core.Mail;
using OpenMss.InternetMail.Catcher;
using OpenMss.InternetMail.Smarthost;
using OpenMss.Testing;

namespace OpenMss.InternetMail.Tests;

/// <summary>The smarthost sender against the demo catcher, over real sockets with real TLS.</summary>
public sealed class SmarthostSenderTests : IAsyncLifetime
{
    private const string User = "relay-user";
    private const string Password = "relay-password-7";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "openmss-catcher-" + Guid.NewGuid().ToString("N")[..12]);
    private InternetMailCatcher _catcher = null!;

    public async Task InitializeAsync()
    {
        _catcher = await InternetMailCatcher.StartAsync(new InternetMailCatcherOptions
        {
            Folder = _folder,
            ServerCertificate = TestPki.Authority.IssueOperatorCertificate("Smarthost de test", ["localhost"]).Certificate,
            UserName = User,
            Password = Password,
        });
    }

    public async Task DisposeAsync()
    {
        await _catcher.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    [Fact]
    public async Task A_message_goes_over_starttls_with_credentials_and_lands_as_an_eml_file()
    {
        var sender = Sender(TestPki.Anchor, User, Password);
        await sender.SendAsync(new InternetMailMessage("patiente@example.org", "Un nouveau message vous attend", "Bonjour,\r\nConnectez-vous à Mon espace santé.\r\n"));

        var file = Assert.Single(_catcher.Messages());
        var message = await MimeMessage.LoadAsync(file);
        Assert.Equal("patiente@example.org", ((MailboxAddress)message.To.Single()).Address);
        Assert.Equal("ne-pas-repondre@monespacesante.test", ((MailboxAddress)message.From.Single()).Address);
        Assert.Equal("Mon espace santé", ((MailboxAddress)message.From.Single()).Name);
        Assert.Equal("Un nouveau message vous attend", message.Subject);
        Assert.Contains("Connectez-vous à Mon espace santé.", message.TextBody, StringComparison.Ordinal);
        Assert.Equal("auto-generated", message.Headers["Auto-Submitted"]);
        Assert.False(string.IsNullOrEmpty(message.MessageId));
    }

    [Fact]
    public async Task A_smarthost_whose_certificate_is_not_trusted_gets_nothing()
    {
        // Trusting another root: the catcher's certificate does not chain to it.
        var sender = Sender(TestPki.ForeignAuthority.PublicCertificate, User, Password);
        var failure = await Assert.ThrowsAsync<InternetMailException>(() =>
            sender.SendAsync(new InternetMailMessage("patiente@example.org", "Objet", "Texte")));
        Assert.Contains("certificate", failure.Message, StringComparison.Ordinal);
        Assert.Empty(_catcher.Messages());

        // The system's roots do not know the test authority either.
        var systemRoots = Sender(trustedRoot: null, User, Password);
        await Assert.ThrowsAsync<InternetMailException>(() =>
            systemRoots.SendAsync(new InternetMailMessage("patiente@example.org", "Objet", "Texte")));
        Assert.Empty(_catcher.Messages());
    }

    [Fact]
    public async Task Wrong_credentials_or_none_are_refused()
    {
        var wrong = Sender(TestPki.Anchor, User, "not-the-password");
        var failure = await Assert.ThrowsAsync<InternetMailException>(() =>
            wrong.SendAsync(new InternetMailMessage("patiente@example.org", "Objet", "Texte")));
        Assert.DoesNotContain("patiente@example.org", failure.ToString(), StringComparison.Ordinal);

        var anonymous = Sender(TestPki.Anchor, userName: null, password: null);
        await Assert.ThrowsAsync<InternetMailException>(() =>
            anonymous.SendAsync(new InternetMailMessage("patiente@example.org", "Objet", "Texte")));
        Assert.Empty(_catcher.Messages());
    }

    private SmarthostMailSender Sender(System.Security.Cryptography.X509Certificates.X509Certificate2? trustedRoot, string? userName, string? password) =>
        new(new SmarthostOptions
        {
            Host = "localhost",
            Port = _catcher.EndPoint.Port,
            Security = SmarthostSecurity.StartTls,
            UserName = userName,
            Password = password,
            TrustedRoot = trustedRoot,
            From = "ne-pas-repondre@monespacesante.test",
            Timeout = TimeSpan.FromSeconds(60),
        });
}
