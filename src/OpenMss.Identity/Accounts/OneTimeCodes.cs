using System.Security.Cryptography;
using OtpNet;

namespace OpenMss.Identity.Accounts;

/// <summary>
/// TOTP one-time codes (RFC 6238 over RFC 4226: HMAC-SHA1, 6 digits, 30-second steps), the stand-in
/// for the e-CPS second factor. Used by the store to check codes and by the demo and tests to make them.
/// </summary>
public static class OneTimeCodes
{
    /// <summary>Digits per code.</summary>
    public const int Digits = 6;

    /// <summary>Seconds per time step.</summary>
    public const int StepSeconds = 30;

    /// <summary>Secret size of new enrollments: 160 bits, as RFC 4226 §4 recommends.</summary>
    public const int SecretBytes = 20;

    /// <summary>Smallest secret accepted: RFC 4226 §4 requires at least 128 bits and recommends 160; 80 is the floor of common authenticators.</summary>
    public const int MinimumSecretBytes = 10;

    /// <summary>Largest secret accepted: 512 bits, the HMAC block size of SHA-1 (longer keys are hashed down anyway).</summary>
    public const int MaximumSecretBytes = 64;

    /// <summary>Issuer label shown by authenticator apps.</summary>
    public const string IssuerLabel = "OpenMSS";

    /// <summary>A new random secret, Base32 without padding.</summary>
    public static string GenerateSecret() =>
        Base32Encoding.ToString(RandomNumberGenerator.GetBytes(SecretBytes)).TrimEnd('=');

    /// <summary>The code valid at <paramref name="time"/> for a Base32 secret.</summary>
    public static string Compute(string secretBase32, DateTimeOffset time)
    {
        var totp = new Totp(DecodeSecret(secretBase32), StepSeconds, OtpHashMode.Sha1, Digits);
        return totp.ComputeTotp(time.UtcDateTime);
    }

    /// <summary>The time step (RFC 6238 T) that contains <paramref name="time"/>.</summary>
    public static long StepAt(DateTimeOffset time) => time.ToUnixTimeSeconds() / StepSeconds;

    /// <summary>The <c>otpauth://totp/</c> URI (Key URI Format) for an authenticator app.</summary>
    public static Uri BuildOtpAuthUri(string secretBase32, string accountName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountName);
        var uri = new OtpUri(OtpType.Totp, NormalizeSecret(secretBase32), accountName, IssuerLabel, OtpHashMode.Sha1, Digits, StepSeconds);
        return uri.ToUri();
    }

    /// <summary>Upper case, without spaces, dashes or padding.</summary>
    internal static string NormalizeSecret(string secretBase32)
    {
        ArgumentNullException.ThrowIfNull(secretBase32);
        return new string(secretBase32.Where(c => !char.IsWhiteSpace(c) && c != '-' && c != '=').ToArray()).ToUpperInvariant();
    }

    internal static byte[] DecodeSecret(string secretBase32)
    {
        var normalized = NormalizeSecret(secretBase32);
        if (normalized.Length == 0 || normalized.Any(c => !(c is >= 'A' and <= 'Z' or >= '2' and <= '7')))
        {
            throw new ArgumentException("The TOTP secret is not Base32 (RFC 4648 §6: letters A-Z and digits 2-7).", nameof(secretBase32));
        }

        var bytes = Base32Encoding.ToBytes(normalized);
        if (bytes.Length < MinimumSecretBytes)
        {
            throw new ArgumentException($"The TOTP secret must be at least {MinimumSecretBytes * 8} bits ({MinimumSecretBytes * 8 / 5} Base32 characters).", nameof(secretBase32));
        }

        if (bytes.Length > MaximumSecretBytes)
        {
            throw new ArgumentException($"The TOTP secret must be at most {MaximumSecretBytes * 8} bits.", nameof(secretBase32));
        }

        return bytes;
    }

    /// <summary>
    /// Checks a code within one step before and after <paramref name="now"/>; returns the matched step.
    /// </summary>
    internal static bool TryMatch(byte[] secret, string code, DateTimeOffset now, out long matchedStep)
    {
        matchedStep = 0;
        var trimmed = code.Replace(" ", string.Empty, StringComparison.Ordinal);
        if (trimmed.Length != Digits || !trimmed.All(char.IsAsciiDigit))
        {
            return false;
        }

        var totp = new Totp(secret, StepSeconds, OtpHashMode.Sha1, Digits);
        return totp.VerifyTotp(now.UtcDateTime, trimmed, out matchedStep, new VerificationWindow(previous: 1, future: 1));
    }
}
