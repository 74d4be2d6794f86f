using System.Globalization;
using System.Text;

namespace OpenMss.Bench.Messages;

/// <summary>
/// The IMAP benchmarks' mailbox: message <c>index</c> of a seeded series of 4–10 KiB French medical
/// messages (RFC 5322, quoted-printable UTF-8 bodies per RFC 2045, one in four multipart with a small
/// PDF), a rare word in one message of <c>needlePeriod</c>. The same seed gives the same bytes.
/// </summary>
public sealed class MessageGenerator(int seed, int needlePeriod = 25_000)
{
    /// <summary>The rare word: in the body of one message in <c>needlePeriod</c>.</summary>
    public const string Needle = "zygomaticofacial";

    /// <summary>A word in no message.</summary>
    public const string Absent = "xylophonique";

    /// <summary>A word of the vocabulary, in almost every message: every one is a match to check.</summary>
    public const string Common = "glycémie";

    private readonly System.Collections.Concurrent.ConcurrentBag<long> needleUids = [];

    /// <summary>The UIDs of the messages that carry <see cref="Needle"/>, as noted by the filler.</summary>
    public IEnumerable<long> NeedleUids => needleUids.Order();

    public bool IsNeedle(int index) => index % needlePeriod == 12_345 % needlePeriod;

    public void NoteNeedleUid(long uid) => needleUids.Add(uid);

    public byte[] Create(int index)
    {
        var random = new Random(seed * 1_000_003 + index);
        var target = random.Next(4 * 1024, 10 * 1024);
        var date = new DateTimeOffset(2025, 1, 1, 8, 0, 0, TimeSpan.FromHours(1)).AddMinutes(index * 7);
        var multipart = index % 4 == 0;
        var sb = new StringBuilder(target + 512);
        sb.Append("Return-Path: <bounce@mssante.fr>\r\n");
        sb.Append("Received: from mx.bioclinic.mssante.fr (mx.bioclinic.mssante.fr [192.0.2.10]) by mx.medecin.mssante.fr with ESMTPS id ")
          .Append(index).Append("; ").Append(FrenchText.Date(date)).Append("\r\n");
        sb.Append("Date: ").Append(FrenchText.Date(date)).Append("\r\n");
        sb.Append("From: ").Append(FrenchText.Senders[random.Next(FrenchText.Senders.Length)]).Append("\r\n");
        sb.Append("To: Dr Bench <bench@medecin.mssante.fr>\r\n");
        if (random.Next(3) == 0)
        {
            sb.Append("Cc: Secrétariat <secretariat@medecin.mssante.fr>\r\n");
        }

        sb.Append("Subject: =?utf-8?q?").Append(FrenchText.QEncode(FrenchText.Subjects[random.Next(FrenchText.Subjects.Length)] + " n°" + index)).Append("?=\r\n");
        sb.Append("Message-ID: <").Append(index).Append('.').Append(random.Next()).Append("@mssante.fr>\r\n");
        sb.Append("MIME-Version: 1.0\r\n");
        var body = new StringBuilder();
        body.Append("Cher confrère,\r\n\r\n");
        var bodyTarget = multipart ? target - 2200 : target - 700;
        FrenchText.AppendWords(body, random, bodyTarget);

        if (IsNeedle(index))
        {
            body.Append("Douleur ").Append(Needle).Append(" persistante.\r\n");
        }

        body.Append("\r\nBien confraternellement,\r\n");
        var text = FrenchText.QuotedPrintable(body.ToString());
        if (multipart)
        {
            sb.Append("Content-Type: multipart/mixed; boundary=\"b").Append(index).Append("\"\r\n\r\n");
            sb.Append("--b").Append(index).Append("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
            sb.Append(text).Append("\r\n--b").Append(index).Append("\r\nContent-Type: application/pdf; name=\"cr.pdf\"\r\n")
              .Append("Content-Disposition: attachment; filename=\"cr.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n");
            var pdf = new byte[1500];
            random.NextBytes(pdf);
            var b64 = Convert.ToBase64String(pdf);
            for (var i = 0; i < b64.Length; i += 76)
            {
                sb.Append(b64, i, Math.Min(76, b64.Length - i)).Append("\r\n");
            }

            sb.Append("--b").Append(index).Append("--\r\n");
        }
        else
        {
            sb.Append("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n").Append(text);
        }

        return Encoding.ASCII.GetBytes(sb.ToString());
    }
}
