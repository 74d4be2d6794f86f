using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using OpenMss.Core.Text;

namespace OpenMss.Smtp.Protocol;

/// <summary>
/// Writes the <c>Received:</c> trace header an SMTP server prepends to every message it accepts
/// (RFC 5321 §4.4, protocol names from RFC 3848 and RFC 6531 §3.7.3).
/// </summary>
/// <remarks>
/// The <c>for</c> clause is deliberately left out: MSSanté recipient addresses (patients'
/// especially) are health identifiers and must not be copied into every message's header.
/// </remarks>
public static class ReceivedHeader
{
    /// <summary>Room that is always enough for one header (names are at most 255 octets each).</summary>
    public const int MaxLength = 1024;

    /// <summary>The <c>with</c> protocol of RFC 3848 / RFC 6531: SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA, UTF8SMTPS…</summary>
    public static string Protocol(bool extended, bool tls, bool authenticated, bool smtpUtf8)
    {
        if (!extended)
        {
            return "SMTP";
        }

        var name = (tls, authenticated) switch
        {
            (true, true) => "ESMTPSA",
            (true, false) => "ESMTPS",
            (false, true) => "ESMTPA",
            _ => "ESMTP",
        };
        return smtpUtf8 ? "UTF8SMTP" + name[5..] : name;
    }

    /// <summary>
    /// Writes <c>Received: from {clientName} ([{address}]) by {hostName} (OpenMSS) with {protocol}
    /// id {id}; {date}</c>, folded, CRLF-terminated. Returns the number of octets written.
    /// </summary>
    /// <param name="destination">At least <see cref="MaxLength"/> octets.</param>
    /// <param name="clientName">The EHLO/HELO argument (already validated as a domain or address literal).</param>
    public static int Write(Span<byte> destination, string clientName, IPAddress clientAddress, string hostName, string protocol, string id, DateTimeOffset date)
    {
        ArgumentNullException.ThrowIfNull(clientAddress);
        var address = clientAddress.IsIPv4MappedToIPv6 ? clientAddress.MapToIPv4() : clientAddress;
        var literal = address.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6:" + address : address.ToString();
        var utc = date.UtcDateTime;
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"Received: from {clientName} ([{literal}])\r\n\tby {hostName} (OpenMSS) with {protocol} id {id};\r\n\t{utc:ddd, d MMM yyyy HH:mm:ss} +0000\r\n");
        return StrictUtf8.Encoding.GetBytes(text, destination);
    }
}
