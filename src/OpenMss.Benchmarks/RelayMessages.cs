using System.Text;

namespace OpenMss.Benchmarks;

/// <summary>The message every relay benchmark sends: an RFC 5322 plain-text message of about the requested size.</summary>
public static class RelayMessages
{
    /// <summary>Builds the message, lines ending in CRLF, no line starting with a dot (sent as is in DATA).</summary>
    /// <param name="size">Approximate size in bytes (never larger; at least the header).</param>
    public static byte[] Build(int size)
    {
        var header = "From: Claire Martin <claire.martin@pharmacien.mssante.fr>\r\nTo: dr@medecin.mssante.fr\r\n" +
                     "Subject: bench\r\nMessage-ID: <bench@pharmacien.mssante.fr>\r\nDate: Wed, 25 Nov 2026 10:00:00 +0100\r\n" +
                     "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
        var sb = new StringBuilder(header);
        var line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.\r\n";
        while (sb.Length + line.Length < size)
        {
            sb.Append(line);
        }

        return Encoding.ASCII.GetBytes(sb.ToString());
    }
}
