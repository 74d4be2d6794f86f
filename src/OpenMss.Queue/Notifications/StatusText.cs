namespace OpenMss.Queue.Notifications;

/// <summary>
/// Plain-language meaning of the RFC 3463 enhanced status codes the queue reports, for the
/// readable part of notifications (a pharmacist reads "adresse inconnue", not "5.1.1").
/// </summary>
internal static class StatusText
{
    private static readonly Dictionary<string, (string French, string English)> Known = new(StringComparer.Ordinal)
    {
        ["1.1"] = ("adresse de destinataire inconnue", "unknown recipient address"),
        ["1.2"] = ("domaine de destination inconnu ou hors de l'espace de confiance", "unknown destination domain or outside the trust space"),
        ["2.1"] = ("boîte aux lettres désactivée", "mailbox disabled"),
        ["2.2"] = ("boîte aux lettres pleine", "mailbox full"),
        ["3.4"] = ("message trop volumineux", "message too large"),
        ["4.1"] = ("serveur destinataire injoignable", "destination server unreachable"),
        ["4.2"] = ("connexion interrompue", "connection dropped"),
        ["4.4"] = ("aucun serveur connu pour ce domaine", "no server known for this domain"),
        ["4.7"] = ("délai de remise dépassé", "delivery time expired"),
        ["7.0"] = ("refus pour raison de sécurité", "refused for security reasons"),
        ["7.1"] = ("remise non autorisée", "delivery not authorised"),
        ["7.5"] = ("échec de la connexion sécurisée (TLS ou certificat)", "secure connection failed (TLS or certificate)"),
    };

    public static string French(string status) =>
        Lookup(status)?.French ?? (status.StartsWith('4') ? "erreur temporaire" : "erreur définitive") + $" ({status})";

    public static string English(string status) =>
        Lookup(status)?.English ?? (status.StartsWith('4') ? "temporary error" : "permanent error") + $" ({status})";

    private static (string French, string English)? Lookup(string status)
    {
        var dot = status.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return null;
        }

        return Known.TryGetValue(status[(dot + 1)..], out var text)
            ? (text.French + $" ({status})", text.English + $" ({status})")
            : null;
    }
}
