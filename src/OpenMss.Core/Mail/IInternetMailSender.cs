namespace OpenMss.Core.Mail;

/// <summary>
/// Sends mail outside the secure messaging space, over the ordinary Internet, to a patient's
/// personal address (an outside smarthost in production, a local catcher in the demo): the one-time
/// codes of patient sign-ins and the content-free notifications of the patient space. Such mail is
/// not protected end to end, so callers put no health data in it: no message subject or content, no
/// professional's name, no patient identifier.
/// </summary>
public interface IInternetMailSender
{
    /// <summary>
    /// Sends one plain-text message (RFC 5322, UTF-8). Returns once the smarthost accepted it.
    /// </summary>
    /// <exception cref="InternetMailException">The smarthost could not be reached, its certificate is not trusted, or it refused the message.</exception>
    Task SendAsync(InternetMailMessage message, CancellationToken cancellationToken = default);
}

/// <summary>A plain-text message to one personal address, in French; its body and subject carry no health data.</summary>
/// <param name="To">The recipient's personal address (never logged).</param>
/// <param name="Subject">The subject line.</param>
/// <param name="TextBody">The plain-text body.</param>
public sealed record InternetMailMessage(string To, string Subject, string TextBody)
{
    /// <summary>Says neither the address nor the text, so the record can be logged by accident without leaking them.</summary>
    public override string ToString() => "Internet mail (recipient and text redacted)";
}

/// <summary>Sending to the Internet failed; the message names neither the recipient nor the text.</summary>
public sealed class InternetMailException : Exception
{
    public InternetMailException()
    {
    }

    public InternetMailException(string message)
        : base(message)
    {
    }

    public InternetMailException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when trying again later may succeed (the smarthost was unreachable or answered 4xx).</summary>
    public bool IsTransient { get; init; }
}
