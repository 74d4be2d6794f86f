using System.Text;

namespace OpenMss.Storage.Tests;

/// <summary>RFC 5322 messages for the storage tests.</summary>
internal static class TestMessages
{
    public static byte[] Create(string subject = "Compte rendu", string from = "dr.martin@medecin.mssante.fr", string to = "pharmacie@pharmacien.mssante.fr", int bodyBytes = 8 * 1024, string? marker = null)
    {
        var text = new StringBuilder();
        text.Append("Date: Tue, 25 Nov 2025 10:00:00 +0100\r\n");
        text.Append($"From: {from}\r\n");
        text.Append($"To: {to}\r\n");
        text.Append($"Subject: {subject}\r\n");
        text.Append($"Message-ID: <{Guid.NewGuid():N}@medecin.mssante.fr>\r\n");
        text.Append("MIME-Version: 1.0\r\n");
        text.Append("Content-Type: text/plain; charset=utf-8\r\n");
        text.Append("\r\n");
        if (marker is not null)
        {
            text.Append(marker).Append("\r\n");
        }

        var line = "Patient suivi pour une ordonnance renouvelée, posologie inchangée.\r\n";
        while (Encoding.UTF8.GetByteCount(text.ToString()) < bodyBytes)
        {
            text.Append(line);
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public static InboundMessage Inbound(byte[] raw, params string[] recipients) =>
        new("dr.martin@medecin.mssante.fr", recipients, raw, DateTimeOffset.UtcNow);
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}
