using System.Globalization;
using System.Text;

namespace OpenMss.Bench.Messages;

/// <summary>
/// What the generated messages are made of: French medical correspondence (senders, subjects, a
/// vocabulary) and the encodings a mail client applies to it (RFC 2047 encoded-words in headers,
/// RFC 2045 quoted-printable bodies).
/// </summary>
internal static class FrenchText
{
    internal static readonly string[] Senders = ["Laboratoire Bioclinic <labo@bioclinic.mssante.fr>", "Dr Claire Martin <claire.martin@medecin.mssante.fr>",
        "Pharmacie Centrale <pharmacie.centrale@pharmacien.mssante.fr>", "CH de Lyon - Radiologie <radiologie@chu-lyon.mssante.fr>",
        "Dr Paul Durand <paul.durand@medecin.mssante.fr>", "Cabinet infirmier <idel.nord@infirmier.mssante.fr>"];

    internal static readonly string[] Subjects = ["Compte rendu de consultation", "Résultats d'analyses biologiques", "Ordonnance renouvelée",
        "Lettre de liaison - sortie d'hospitalisation", "Demande d'avis spécialisé", "Compte rendu d'imagerie", "Suivi post-opératoire"];

    internal static readonly string[] Words = ("le patient présente une amélioration clinique nette depuis la dernière consultation avec une tension artérielle " +
        "stabilisée et une glycémie à jeun dans les valeurs cibles nous proposons de poursuivre le traitement actuel et de réévaluer " +
        "dans trois mois les examens biologiques montrent une fonction rénale conservée sans anomalie du bilan hépatique l'imagerie " +
        "ne retrouve pas de lésion évolutive merci de votre confiance bien confraternellement antécédents allergie pénicilline " +
        "posologie comprimé matin soir pendant sept jours surveillance kinésithérapie rééducation douleur échelle numérique").Split(' ');

    /// <summary>Appends lines of random words (at most about 70 characters, CRLF) until <paramref name="body"/> holds <paramref name="length"/> characters.</summary>
    internal static void AppendWords(StringBuilder body, Random random, int length)
    {
        var line = new StringBuilder();
        while (body.Length < length)
        {
            line.Append(Words[random.Next(Words.Length)]).Append(' ');
            if (line.Length > 66)
            {
                body.Append(line.ToString().TrimEnd()).Append("\r\n");
                line.Clear();
            }
        }
    }

    /// <summary>An RFC 5322 date-time, e.g. <c>Wed, 01 Jan 2025 08:00:00 +0100</c>.</summary>
    internal static string Date(DateTimeOffset date) => date.ToString("ddd, dd MMM yyyy HH:mm:ss zzz", CultureInfo.InvariantCulture).Remove(29, 1);

    internal static string QEncode(string text)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            sb.Append(b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
                ? ((char)b).ToString() : b == ' ' ? "_" : "=" + b.ToString("X2", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    internal static string QuotedPrintable(string text)
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
