using System.Globalization;
using System.Text;

internal sealed class MessageGenerator(int seed, int needlePeriod = 25_000)
{
    /// <summary>The rare word: in the body of one message in <c>needlePeriod</c>.</summary>
    public const string Needle = "zygomaticofacial";

    /// <summary>A word in no message.</summary>
    public const string Absent = "xylophonique";

    /// <summary>A word of the vocabulary, in almost every message: every one is a match to check.</summary>
    public const string Common = "glycémie";

    private static readonly string[] Senders = ["Laboratoire Bioclinic <labo@bioclinic.mssante.fr>", "Dr Claire Martin <claire.martin@medecin.mssante.fr>",
        "Pharmacie Centrale <pharmacie.centrale@pharmacien.mssante.fr>", "CH de Lyon - Radiologie <radiologie@chu-lyon.mssante.fr>",
        "Dr Paul Durand <paul.durand@medecin.mssante.fr>", "Cabinet infirmier <idel.nord@infirmier.mssante.fr>"];

    private static readonly string[] Subjects = ["Compte rendu de consultation", "Résultats d'analyses biologiques", "Ordonnance renouvelée",
        "Lettre de liaison - sortie d'hospitalisation", "Demande d'avis spécialisé", "Compte rendu d'imagerie", "Suivi post-opératoire"];

    private static readonly string[] Words = ("le patient présente une amélioration clinique nette depuis la dernière consultation avec une tension artérielle " +
        "stabilisée et une glycémie à jeun dans les valeurs cibles nous proposons de poursuivre le traitement actuel et de réévaluer " +
        "dans trois mois les examens biologiques montrent une fonction rénale conservée sans anomalie du bilan hépatique l'imagerie " +
        "ne retrouve pas de lésion évolutive merci de votre confiance bien confraternellement antécédents allergie pénicilline " +
        "posologie comprimé matin soir pendant sept jours surveillance kinésithérapie rééducation douleur échelle numérique").Split(' ');

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
          .Append(index).Append("; ").Append(date.ToString("ddd, dd MMM yyyy HH:mm:ss zzz", CultureInfo.InvariantCulture).Remove(29, 1)).Append("\r\n");
        sb.Append("Date: ").Append(date.ToString("ddd, dd MMM yyyy HH:mm:ss zzz", CultureInfo.InvariantCulture).Remove(29, 1)).Append("\r\n");
        sb.Append("From: ").Append(Senders[random.Next(Senders.Length)]).Append("\r\n");
        sb.Append("To: Dr Bench <bench@medecin.mssante.fr>\r\n");
        if (random.Next(3) == 0)
        {
            sb.Append("Cc: Secrétariat <secretariat@medecin.mssante.fr>\r\n");
        }

        sb.Append("Subject: =?utf-8?q?").Append(QEncode(Subjects[random.Next(Subjects.Length)] + " n°" + index)).Append("?=\r\n");
        sb.Append("Message-ID: <").Append(index).Append('.').Append(random.Next()).Append("@mssante.fr>\r\n");
        sb.Append("MIME-Version: 1.0\r\n");
        var body = new StringBuilder();
        body.Append("Cher confrère,\r\n\r\n");
        var bodyTarget = multipart ? target - 2200 : target - 700;
        var line = new StringBuilder();
        while (body.Length < bodyTarget)
        {
            line.Append(Words[random.Next(Words.Length)]).Append(' ');
            if (line.Length > 66)
            {
                body.Append(line.ToString().TrimEnd()).Append("\r\n");
                line.Clear();
            }
        }

        if (IsNeedle(index))
        {
            body.Append("Douleur ").Append(Needle).Append(" persistante.\r\n");
        }

        body.Append("\r\nBien confraternellement,\r\n");
        var text = QuotedPrintable(body.ToString());
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

    private static string QEncode(string text)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            sb.Append(b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
                ? ((char)b).ToString() : b == ' ' ? "_" : "=" + b.ToString("X2", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    private static string QuotedPrintable(string text)
    {
        var sb = new StringBuilder(text.Length + text.Length / 8);
        foreach (var line in text.Split("\r\n"))
        {
            var width = 0;
            foreach (var b in Encoding.UTF8.GetBytes(line))
            {
                var piece = b is >= 33 and <= 126 && b != '=' || b == ' ' ? ((char)b).ToString() : "=" + b.ToString("X2", CultureInfo.InvariantCulture);
                if (width + piece.Length > 75)
                {
                    sb.Append("=\r\n");
                    width = 0;
                }

                sb.Append(piece);
                width += piece.Length;
            }

            sb.Append("\r\n");
        }

        return sb.ToString();
    }
}

