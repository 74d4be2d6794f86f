using System.Globalization;
using System.Text;

namespace OpenMss.Bench.Messages;

/// <summary>What a relay benchmark sends.</summary>
public enum MessageKind
{
    /// <summary>French plain text (quoted-printable UTF-8) of the requested size.</summary>
    Text,

    /// <summary>A short French text and one attachment, PDF or JPEG in turn, the whole message of the requested size.</summary>
    Attachment,

    /// <summary>A short French text and a PDF or JPEG of 0.2–3 MiB drawn from the seed (what a pharmacy exchanges); the size is ignored.</summary>
    Pharmacy,
}

/// <summary>The file types of the generated attachments.</summary>
public enum AttachmentType
{
    /// <summary>A PDF report (ISO 32000 structure: objects, a page with one image, cross-reference table, trailer).</summary>
    Pdf,

    /// <summary>A photo of a prescription (JPEG/JFIF markers: SOI, APP0, DQT, SOF0, DHT, SOS, entropy-coded data, EOI).</summary>
    Jpeg,
}

/// <summary>
/// The relay benchmarks' messages (docs/benchmarks.md): RFC 5322 messages like those health
/// professionals exchange, either plain French text or a short French text with a PDF or JPEG
/// attachment (RFC 2046 multipart/mixed, base64 per RFC 2045 in lines of 76 characters). The files
/// look real to a MIME parser or a file-type sniffer (a PDF's objects and cross-reference table, a
/// JPEG's markers) around a random payload, which compresses no better than a real scan or photo.
/// Every message ends in CRLF, and no line starts with a dot, so that it is sent as is in
/// <c>DATA</c> (RFC 5321, 4.5.2). The same kind, size, seed and index always give the same bytes.
/// </summary>
public static class RealisticMessages
{
    /// <summary>Smallest attachment of <see cref="MessageKind.Pharmacy"/> messages (0.2 MiB).</summary>
    public const int MinAttachmentBytes = 200 * 1024;

    /// <summary>Largest attachment of <see cref="MessageKind.Pharmacy"/> messages (3 MiB).</summary>
    public const int MaxAttachmentBytes = 3 * 1024 * 1024;

    private static readonly DateTimeOffset FirstDate = new(2026, 11, 25, 9, 0, 0, TimeSpan.FromHours(1));

    /// <summary>Reads a kind as written on a command line: <c>text</c>, <c>attachment</c> or <c>pharmacy</c>.</summary>
    public static MessageKind ParseKind(string text) => text.ToLowerInvariant() switch
    {
        "text" => MessageKind.Text,
        "attachment" => MessageKind.Attachment,
        "pharmacy" => MessageKind.Pharmacy,
        _ => throw new ArgumentException($"unknown message kind '{text}' (text, attachment or pharmacy)."),
    };

    /// <summary>Message <paramref name="index"/> of a series of the given kind.</summary>
    /// <param name="kind">What the message holds.</param>
    /// <param name="size">Approximate size in bytes (never larger, unless smaller than the headers); ignored for <see cref="MessageKind.Pharmacy"/>.</param>
    /// <param name="seed">The series.</param>
    /// <param name="index">The message in the series.</param>
    public static byte[] Create(MessageKind kind, int size, int seed, int index)
    {
        var random = new Random(unchecked(seed * 1_000_003 + index));
        var type = index % 2 == 0 ? AttachmentType.Pdf : AttachmentType.Jpeg;
        return kind switch
        {
            MessageKind.Text => Text(random, size, index),
            MessageKind.Attachment => WithAttachment(random, type, index, totalSize: size),
            MessageKind.Pharmacy => WithAttachment(random, type, index, attachmentSize: random.Next(MinAttachmentBytes, MaxAttachmentBytes + 1)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    /// <summary>A PDF of about <paramref name="size"/> bytes: one A4 page showing one image whose data is random.</summary>
    public static byte[] Pdf(Random random, int size)
    {
        ArgumentNullException.ThrowIfNull(random);
        var output = new MemoryStream(size + 1024);
        var offsets = new List<long>();
        void Write(string text) => output.Write(Encoding.ASCII.GetBytes(text));
        void AddObject(string body)
        {
            offsets.Add(output.Position);
            Write(string.Create(CultureInfo.InvariantCulture, $"{offsets.Count} 0 obj\n{body}\nendobj\n"));
        }

        Write("%PDF-1.7\n");
        output.Write([(byte)'%', 0xE2, 0xE3, 0xCF, 0xD3, (byte)'\n']); // binary marker (ISO 32000-1, 7.5.2)
        AddObject("<< /Type /Catalog /Pages 2 0 R >>");
        AddObject("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
        AddObject("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>");
        var payload = new byte[Math.Max(0, size - 900)];
        random.NextBytes(payload);
        offsets.Add(output.Position);
        Write(string.Create(CultureInfo.InvariantCulture,
            $"4 0 obj\n<< /Type /XObject /Subtype /Image /Width 1240 /Height 1754 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length {payload.Length} >>\nstream\n"));
        output.Write(payload);
        Write("\nendstream\nendobj\n");
        const string content = "q 595 0 0 842 0 0 cm /Im0 Do Q";
        AddObject(string.Create(CultureInfo.InvariantCulture, $"<< /Length {content.Length} >>\nstream\n{content}\nendstream"));
        var xref = output.Position;
        var table = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"xref\n0 {offsets.Count + 1}\n0000000000 65535 f \n"));
        foreach (var offset in offsets)
        {
            table.Append(offset.ToString("D10", CultureInfo.InvariantCulture)).Append(" 00000 n \n");
        }

        table.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {offsets.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        Write(table.ToString());
        return output.ToArray();
    }

    /// <summary>A baseline JPEG (JFIF) of about <paramref name="size"/> bytes whose entropy-coded data is random.</summary>
    public static byte[] Jpeg(Random random, int size)
    {
        ArgumentNullException.ThrowIfNull(random);
        var output = new MemoryStream(size + 64);
        output.Write([0xFF, 0xD8]); // SOI
        output.Write([0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0x00, 0x01, 0x01, 0x01, 0x00, 0x48, 0x00, 0x48, 0x00, 0x00]); // APP0, 72 dpi
        output.Write([0xFF, 0xDB, 0x00, 0x43, 0x00]); // DQT, table 0, 64 8-bit values
        for (var i = 0; i < 64; i++)
        {
            output.WriteByte((byte)(2 + i / 4));
        }

        const int width = 3024, height = 4032; // a phone's photo of a prescription
        output.Write([0xFF, 0xC0, 0x00, 0x11, 0x08, height >> 8, height & 0xFF, width >> 8, width & 0xFF, 0x03,
            0x01, 0x22, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00]); // SOF0, YCbCr 4:2:0
        output.Write([0xFF, 0xC4, 0x00, 0x1F, 0x00, 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]); // DHT, DC table 0
        output.Write([0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x3F, 0x00]); // SOS
        var scan = new byte[Math.Max(0, size - (int)output.Position - 2)];
        random.NextBytes(scan);
        foreach (var b in scan)
        {
            output.WriteByte(b);
            if (b == 0xFF)
            {
                output.WriteByte(0x00); // byte stuffing: 0xFF in entropy-coded data is followed by 0x00
            }
        }

        output.Write([0xFF, 0xD9]); // EOI
        return output.ToArray();
    }

    private static byte[] Text(Random random, int size, int index)
    {
        var sb = new StringBuilder(size + 256);
        Headers(sb, random, index);
        sb.Append("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
        const string closing = "\r\nBien confraternellement,\r\n";
        sb.Append(FrenchText.QuotedPrintable("Cher confrère,\r\n"));
        var budget = size - closing.Length;
        var words = new StringBuilder(80);
        while (true)
        {
            words.Clear();
            FrenchText.AppendWords(words, random, 1);
            var line = FrenchText.QuotedPrintable(words.ToString().TrimEnd('\r', '\n'));
            if (sb.Length + line.Length > budget) // all ASCII: characters are bytes
            {
                break;
            }

            sb.Append(line);
        }

        sb.Append(closing);
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    private static byte[] WithAttachment(Random random, AttachmentType type, int index, int? totalSize = null, int? attachmentSize = null)
    {
        var boundary = "=_bench_" + index.ToString(CultureInfo.InvariantCulture);
        var sb = new StringBuilder(4096);
        Headers(sb, random, index);
        sb.Append("Content-Type: multipart/mixed; boundary=\"").Append(boundary).Append("\"\r\n\r\n");
        sb.Append("This is a multi-part message in MIME format.\r\n");
        sb.Append("--").Append(boundary).Append("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
        var text = new StringBuilder(type == AttachmentType.Pdf
            ? "Cher confrère,\r\n\r\nVeuillez trouver ci-joint le compte rendu de votre patient.\r\n"
            : "Bonjour,\r\n\r\nVoici la photo de l'ordonnance pour préparation, le patient passera cet après-midi.\r\n");
        FrenchText.AppendWords(text, random, text.Length + 300);
        text.Append("\r\nBien cordialement,\r\n");
        sb.Append(FrenchText.QuotedPrintable(text.ToString()));
        var (mime, name) = type == AttachmentType.Pdf ? ("application/pdf", "compte-rendu.pdf") : ("image/jpeg", "ordonnance.jpg");
        sb.Append("--").Append(boundary).Append("\r\nContent-Type: ").Append(mime).Append("; name=\"").Append(name).Append("\"\r\n")
          .Append("Content-Disposition: attachment; filename=\"").Append(name).Append("\"\r\nContent-Transfer-Encoding: base64\r\n\r\n");
        var head = Encoding.ASCII.GetBytes(sb.ToString());
        var tail = Encoding.ASCII.GetBytes("--" + boundary + "--\r\n");
        var bytes = attachmentSize ?? FileSizeFor(totalSize!.Value - head.Length - tail.Length);
        var file = type == AttachmentType.Pdf ? Pdf(random, bytes) : Jpeg(random, bytes);
        // Lines of 76 characters (RFC 2045, 6.8), CRLF after each, the last one included.
        var encoded = Encoding.ASCII.GetBytes(Convert.ToBase64String(file, Base64FormattingOptions.InsertLineBreaks) + "\r\n");
        var message = new byte[head.Length + encoded.Length + tail.Length];
        head.CopyTo(message, 0);
        encoded.CopyTo(message, head.Length);
        tail.CopyTo(message, head.Length + encoded.Length);
        return message;
    }

    /// <summary>The largest file whose base64 lines fit in <paramref name="room"/> bytes (a JPEG's byte stuffing may add a few hundred more).</summary>
    private static int FileSizeFor(int room)
    {
        static long Encoded(long n) => 4 * ((n + 2) / 3) + 2 * ((4 * ((n + 2) / 3) + 75) / 76);
        var n = Math.Max(1024, (long)(room / 78.0 * 76 * 3 / 4) - 400);
        while (n > 1024 && Encoded(n) > room - 600)
        {
            n -= 64;
        }

        return (int)n;
    }

    private static void Headers(StringBuilder sb, Random random, int index)
    {
        var date = FirstDate.AddMinutes(index * 3);
        sb.Append("Date: ").Append(FrenchText.Date(date)).Append("\r\n");
        sb.Append("From: ").Append(FrenchText.Senders[random.Next(FrenchText.Senders.Length)]).Append("\r\n");
        sb.Append("To: Dr Bench <dr@medecin.mssante.fr>\r\n");
        sb.Append("Subject: =?utf-8?q?")
          .Append(FrenchText.QEncode(FrenchText.Subjects[random.Next(FrenchText.Subjects.Length)] + " n°" + index.ToString(CultureInfo.InvariantCulture)))
          .Append("?=\r\n");
        sb.Append("Message-ID: <").Append(index).Append('.').Append(random.Next()).Append("@bench.mssante.fr>\r\n");
        sb.Append("MIME-Version: 1.0\r\n");
    }
}
