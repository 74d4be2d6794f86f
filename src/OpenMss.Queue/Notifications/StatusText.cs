namespace OpenMss.Queue.Notifications;

/// <summary>
/// What an RFC 3463 enhanced status code means, in French then English, for the readable part of
/// delivery status notifications (RFC 3464 §2.1): a pharmacist reads « La boîte aux lettres du
/// destinataire n'existe pas ou a été fermée. », not <c>5.1.1</c>.
/// </summary>
/// <remarks>
/// One table by full status code; a code it does not hold falls back on its class (RFC 3463 §3.1:
/// 2 success, 4 persistent transient failure, 5 permanent failure). A transient code can end a
/// delivery (the queue gives up after its delivery time), so the class 4 text depends on whether
/// the report is final. The texts never repeat anything of the message: the readable part goes
/// back to the sender, but may be forwarded.
/// </remarks>
internal static class StatusText
{
    private static readonly Dictionary<string, (string French, string English)> ByCode = new(StringComparer.Ordinal)
    {
        ["5.1.1"] = ("La boîte aux lettres du destinataire n'existe pas ou a été fermée.", "The recipient's mailbox does not exist or has been closed."),
        ["5.1.2"] = ("Le domaine du destinataire n'existe pas ou ne fait pas partie de l'espace de confiance MSSanté.", "The recipient's domain does not exist or is not part of the MSSanté trust space."),
        ["5.1.3"] = ("L'adresse du destinataire est mal formée.", "The recipient's address is malformed."),
        ["5.1.6"] = ("La boîte aux lettres du destinataire a changé d'adresse.", "The recipient's mailbox has moved."),
        ["5.2.1"] = ("La boîte aux lettres du destinataire est désactivée.", "The recipient's mailbox is disabled."),
        ["4.2.2"] = ("La boîte aux lettres du destinataire est pleine pour le moment.", "The recipient's mailbox is full for now."),
        ["5.2.2"] = ("La boîte aux lettres du destinataire est pleine.", "The recipient's mailbox is full."),
        ["5.2.3"] = ("Le message dépasse la taille que le destinataire accepte.", "The message is larger than the recipient accepts."),
        ["5.3.0"] = ("Le système de messagerie n'a pas pu relire le message pour le transmettre.", "The mail system could not read the message back to pass it on."),
        ["5.3.4"] = ("Le message est trop volumineux pour le serveur du destinataire.", "The message is too large for the recipient's server."),
        ["4.4.1"] = ("Le serveur du destinataire ne répond pas pour le moment.", "The recipient's server does not answer for now."),
        ["4.4.2"] = ("La connexion avec le serveur du destinataire a été interrompue.", "The connection to the recipient's server was lost."),
        ["4.4.3"] = ("L'annuaire n'a pas pu être consulté pour trouver le serveur du destinataire.", "The directory could not be queried for the recipient's server."),
        ["5.4.4"] = ("Aucun serveur de messagerie n'est connu pour le domaine du destinataire.", "No mail server is known for the recipient's domain."),
        ["4.4.7"] = ("Le délai de remise est dépassé : le serveur du destinataire n'a pas pu être joint à temps.", "The delivery time has expired: the recipient's server could not be reached in time."),
        ["5.4.7"] = ("Le délai de remise est dépassé : le serveur du destinataire n'a pas pu être joint à temps.", "The delivery time has expired: the recipient's server could not be reached in time."),
        ["5.5.3"] = ("Le message a trop de destinataires pour le serveur du destinataire.", "The message has too many recipients for the recipient's server."),
        ["5.6.0"] = ("Le serveur du destinataire a refusé le contenu du message, qu'il juge non conforme.", "The recipient's server refused the content of the message as malformed."),
        ["4.7.0"] = ("Le serveur du destinataire refuse le message pour le moment, pour une raison de sécurité.", "The recipient's server refuses the message for now, for security reasons."),
        ["5.7.0"] = ("Le message a été refusé pour une raison de sécurité.", "The message was refused for security reasons."),
        ["5.7.1"] = ("Le serveur du destinataire a refusé le message en application de ses règles de remise.", "The recipient's server refused the message under its delivery policy."),
        ["4.7.5"] = ("La connexion sécurisée avec le serveur du destinataire a échoué (TLS ou certificat).", "The secure connection to the recipient's server failed (TLS or certificate)."),
        ["5.7.5"] = ("La connexion sécurisée avec le serveur du destinataire a échoué (TLS ou certificat).", "The secure connection to the recipient's server failed (TLS or certificate)."),
    };

    private static readonly (string French, string English) Success =
        ("Le message a été remis.", "The message was delivered.");

    private static readonly (string French, string English) Delayed =
        ("La remise est retardée : le serveur du destinataire n'a pas encore accepté le message.", "Delivery is delayed: the recipient's server has not accepted the message yet.");

    private static readonly (string French, string English) TransientUntilGivenUp =
        ("Le serveur du destinataire a refusé le message temporairement jusqu'à la fin du délai de remise.", "The recipient's server kept refusing the message temporarily until the delivery time ran out.");

    private static readonly (string French, string English) Permanent =
        ("La remise a échoué définitivement.", "Delivery failed permanently.");

    /// <summary>The French sentence for <paramref name="status"/> in a report of <paramref name="action"/>.</summary>
    public static string French(string status, DsnAction action) => Lookup(status, action).French;

    /// <summary>The English sentence for <paramref name="status"/> in a report of <paramref name="action"/>.</summary>
    public static string English(string status, DsnAction action) => Lookup(status, action).English;

    private static (string French, string English) Lookup(string status, DsnAction action)
    {
        var code = status.Trim();
        if (ByCode.TryGetValue(code, out var text))
        {
            return text;
        }

        return code.Length > 0 ? code[0] switch
        {
            '2' => Success,
            '4' => action == DsnAction.Failed ? TransientUntilGivenUp : Delayed,
            _ => Permanent,
        }
        : Permanent;
    }
}
