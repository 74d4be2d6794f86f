namespace OpenMss.Core.Conversations;

/// <summary>
/// Which conversation a patient's message belongs to, from the message identifiers it cites
/// (<c>In-Reply-To</c> and <c>References</c>, RFC 5322 §3.6.4). A patient's message belongs to a
/// conversation only if it cites a <c>Message-ID</c> that this patient really received from that
/// professional mailbox: anyone can write an <c>In-Reply-To</c>, so a cited identifier the patient
/// never received (forged, or received from another mailbox) starts nothing.
/// </summary>
/// <remarks>
/// The cited identifiers are tried nearest first: those of <c>In-Reply-To</c> (the message
/// answered), then those of <c>References</c> from its last (the most recent) to its first (the
/// thread's root). The first one the patient really received from the mailbox names the
/// conversation. So a reply to the professional's latest message, or to an older one, or from a
/// client that keeps only <c>References</c>, all land in the same conversation, and a forged
/// identifier placed in front of a genuine one does not divert the message. Identifiers are
/// compared exactly, without their angle brackets. At most <see cref="MaxCitedIds"/> are tried, so
/// that a message citing thousands of identifiers cannot make the acceptance stage look up
/// thousands.
/// </remarks>
public static class ConversationThreading
{
    /// <summary>How many cited identifiers are tried at most.</summary>
    public const int MaxCitedIds = 64;

    /// <summary>
    /// The identifiers a message cites, in the order they are tried: <paramref name="inReplyTo"/>'s,
    /// then <paramref name="references"/>' from the last to the first, without angle brackets,
    /// duplicates and empty values, at most <see cref="MaxCitedIds"/>.
    /// </summary>
    /// <param name="inReplyTo">The raw <c>In-Reply-To</c> value (one or more <c>&lt;id&gt;</c>), or null.</param>
    /// <param name="references">The <c>References</c> identifiers in header order (each bare or in brackets; a value holding several <c>&lt;id&gt;</c> is split).</param>
    public static IReadOnlyList<string> CitedIds(string? inReplyTo, IEnumerable<string>? references)
    {
        var ordered = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(IEnumerable<string> ids)
        {
            foreach (var id in ids)
            {
                if (ordered.Count < MaxCitedIds && seen.Add(id))
                {
                    ordered.Add(id);
                }
            }
        }

        Add(Split(inReplyTo));
        if (references is not null)
        {
            var all = references.SelectMany(Split).ToList();
            all.Reverse();
            Add(all);
        }

        return ordered;
    }

    /// <summary>
    /// The cited identifier that names the conversation: the first of <paramref name="citedIds"/>
    /// (in the order of <see cref="CitedIds"/>) that the patient received from the mailbox written
    /// to, or null when none was: then the message belongs to no conversation.
    /// </summary>
    /// <param name="citedIds">The identifiers from <see cref="CitedIds"/>.</param>
    /// <param name="receivedFromMailbox">Whether the patient received the message with this identifier from that mailbox (looked up by the caller, e.g. in one query for all the cited identifiers).</param>
    public static string? ConversationRoot(IReadOnlyList<string> citedIds, Func<string, bool> receivedFromMailbox)
    {
        ArgumentNullException.ThrowIfNull(citedIds);
        ArgumentNullException.ThrowIfNull(receivedFromMailbox);
        return citedIds.FirstOrDefault(receivedFromMailbox);
    }

    /// <summary>A message identifier without its angle brackets and surrounding spaces.</summary>
    public static string Normalize(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var text = id.AsSpan().Trim();
        if (text.Length >= 2 && text[0] == '<' && text[^1] == '>')
        {
            text = text[1..^1].Trim();
        }

        return text.ToString();
    }

    // "<a@x> <b@y>" gives a@x and b@y; a bare "a@x" gives itself; comments and spaces between are skipped.
    private static IEnumerable<string> Split(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            yield break;
        }

        if (!value.Contains('<', StringComparison.Ordinal))
        {
            var bare = Normalize(value);
            if (bare.Length > 0 && !bare.Any(char.IsWhiteSpace))
            {
                yield return bare;
            }

            yield break;
        }

        var from = 0;
        while (from < value.Length)
        {
            var open = value.IndexOf('<', from);
            if (open < 0)
            {
                yield break;
            }

            var close = value.IndexOf('>', open + 1);
            if (close < 0)
            {
                yield break;
            }

            var id = value[(open + 1)..close].Trim();
            if (id.Length > 0)
            {
                yield return id;
            }

            from = close + 1;
        }
    }
}
