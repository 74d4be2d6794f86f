using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace OpenMss.Identity.Keys;

/// <summary>
/// The provider's RSA keys, each kept in a PKCS#8 PEM file readable by its owner only (mode 0600),
/// created on first start, so tokens, authorization codes and refresh tokens stay valid across
/// restarts. The key id is the RFC 7638 JWK thumbprint, stable for a given key.
/// </summary>
internal static partial class KeyFiles
{
    private const int KeySizeBits = 2048;

    public static RsaSecurityKey LoadOrCreate(string path, ILogger logger)
    {
        var fullPath = Path.GetFullPath(path);
        var rsa = RSA.Create();
        var loaded = false;
        try
        {
            if (File.Exists(fullPath))
            {
                WarnIfReadableByOthers(fullPath, logger);
                rsa.ImportFromPem(File.ReadAllText(fullPath));
                if (rsa.KeySize < KeySizeBits)
                {
                    throw new InvalidOperationException($"The key in {fullPath} has {rsa.KeySize} bits; at least {KeySizeBits} are required.");
                }
            }
            else
            {
                rsa.KeySize = KeySizeBits;
                var pem = PemEncoding.WriteString("PRIVATE KEY", rsa.ExportPkcs8PrivateKey());
                WritePrivate(fullPath, pem);
                LogCreated(logger, fullPath);
            }

            var key = new RsaSecurityKey(rsa);
            key.KeyId = Base64UrlEncoder.Encode(JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false))).ComputeJwkThumbprint());
            loaded = true;
            return key;
        }
        finally
        {
            if (!loaded)
            {
                rsa.Dispose();
            }
        }
    }

    private static void WritePrivate(string path, string contents)
    {
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            // Created with the right mode: there is no moment where the key is readable by others.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(contents);
    }

    private static void WarnIfReadableByOthers(string path, ILogger logger)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        if ((mode & others) != 0)
        {
            LogLooseMode(logger, path);
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Created identity provider key {Path}")]
    private static partial void LogCreated(ILogger logger, string path);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Identity provider key {Path} is readable by other users; restrict it to mode 0600")]
    private static partial void LogLooseMode(ILogger logger, string path);
}
