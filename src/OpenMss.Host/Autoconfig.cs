using System.Net;
using System.Xml.Linq;

namespace OpenMss.Host;

/// <summary>
/// The Thunderbird autoconfiguration document (<c>config-v1.1.xml</c>, the "clientConfig"
/// format also read by other mail clients), so that a client configures itself from an address:
/// IMAP and submission servers, their TLS mode and the authentication methods offered.
/// </summary>
public static class Autoconfig
{
    /// <summary>One server a client may use.</summary>
    public sealed record Server(string Type, string Host, int Port, string SocketType);

    public static XDocument Build(string domain, string displayName, IEnumerable<Server> incoming, IEnumerable<Server> outgoing, bool allowPasswords)
    {
        XElement ServerElement(string element, Server s)
        {
            var server = new XElement(element, new XAttribute("type", s.Type),
                new XElement("hostname", s.Host),
                new XElement("port", s.Port),
                new XElement("socketType", s.SocketType),
                new XElement("username", "%EMAILADDRESS%"),
                new XElement("authentication", "OAuth2"));
            if (allowPasswords)
            {
                server.Add(new XElement("authentication", "password-cleartext"));
            }

            return server;
        }

        return new XDocument(
            new XDeclaration("1.0", "UTF-8", null),
            new XElement("clientConfig", new XAttribute("version", "1.1"),
                new XElement("emailProvider", new XAttribute("id", domain),
                    new XElement("domain", domain),
                    new XElement("displayName", displayName),
                    new XElement("displayShortName", displayName),
                    incoming.Select(s => ServerElement("incomingServer", s)),
                    outgoing.Select(s => ServerElement("outgoingServer", s)))));
    }

    /// <summary>The host name a client should use for a listener: the configured name, or the loopback address the demo listens on.</summary>
    public static string HostFor(IPEndPoint endPoint, string configuredHostName) =>
        IPAddress.IsLoopback(endPoint.Address) ? endPoint.Address.ToString() : configuredHostName;
}
