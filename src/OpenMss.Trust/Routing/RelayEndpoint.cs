using System.Globalization;
using System.Net;

namespace OpenMss.Trust;

/// <summary>An SMTP relay of a destination operator: where the delivery queue connects.</summary>
/// <param name="Host">Host name (or IP literal) to connect to.</param>
/// <param name="Port">TCP port (25 for the operator relay in production).</param>
public sealed record RelayEndpoint(string Host, int Port)
{
    /// <summary>The SMTP port (RFC 5321 §4.5.4.2 / the MSSanté relay).</summary>
    public const int DefaultPort = 25;

    /// <summary>Parses <c>host</c>, <c>host:port</c>, <c>1.2.3.4:port</c> or <c>[::1]:port</c>.</summary>
    /// <exception cref="FormatException">Not a host with an optional port between 1 and 65535.</exception>
    public static RelayEndpoint Parse(string text, int defaultPort = DefaultPort) =>
        TryParse(text, out var endpoint, defaultPort)
            ? endpoint
            : throw new FormatException($"'{text}' is not a relay address (expected host or host:port).");

    public static bool TryParse(string? text, out RelayEndpoint endpoint, int defaultPort = DefaultPort)
    {
        endpoint = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var value = text.Trim();
        string host;
        var port = defaultPort;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !IPAddress.TryParse(value[1..close], out _))
            {
                return false;
            }

            host = value[1..close];
            var rest = value[(close + 1)..];
            if (rest.Length > 0 && (!rest.StartsWith(':') || !TryPort(rest[1..], out port)))
            {
                return false;
            }
        }
        else
        {
            var colon = value.LastIndexOf(':');
            if (colon >= 0 && value.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                // Bare IPv6 without brackets: no port.
                if (!IPAddress.TryParse(value, out _))
                {
                    return false;
                }

                host = value;
            }
            else if (colon >= 0)
            {
                host = value[..colon];
                if (!TryPort(value[(colon + 1)..], out port))
                {
                    return false;
                }
            }
            else
            {
                host = value;
            }
        }

        if (host.Length == 0 || port is < 1 or > 65535 || (!IPAddress.TryParse(host, out _) && !DomainNames.TryToAscii(host, out _)))
        {
            return false;
        }

        endpoint = new RelayEndpoint(host, port);
        return true;
    }

    public override string ToString() =>
        Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;
}
