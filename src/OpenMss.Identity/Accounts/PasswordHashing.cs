using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace OpenMss.Identity.Accounts;

/// <summary>
/// The one password hashing of the provider, for professionals and patients alike: ASP.NET Core's
/// <see cref="PasswordHasher{TUser}"/> (PBKDF2-HMAC-SHA512, <see cref="AccountStore.PasswordIterations"/>
/// iterations, 128-bit random salt per hash). Checking against no hash costs the same as against a
/// real one, so the answer time does not tell whether an account exists.
/// </summary>
internal sealed class PasswordHashing
{
    public const int MinimumLength = 8;
    public const int MaximumLength = 512;

    private static readonly object User = new();

    private readonly PasswordHasher<object> _hasher = new(Options.Create(new PasswordHasherOptions
    {
        CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
        IterationCount = AccountStore.PasswordIterations,
    }));

    private readonly Lazy<string> _dummyHash;

    public PasswordHashing()
    {
        _dummyHash = new Lazy<string>(() => _hasher.HashPassword(User, Guid.NewGuid().ToString("N")));
    }

    public string Hash(string password) => _hasher.HashPassword(User, password);

    /// <summary>Whether the password matches <paramref name="hash"/> (null: no account, always false after the same work); <paramref name="rehash"/> when the hash should be replaced.</summary>
    public bool Verify(string? hash, string? password, out bool rehash)
    {
        password ??= string.Empty;
        if (password.Length > MaximumLength)
        {
            password = password[..MaximumLength];
        }

        if (string.IsNullOrEmpty(hash))
        {
            _hasher.VerifyHashedPassword(User, _dummyHash.Value, password);
            rehash = false;
            return false;
        }

        var result = _hasher.VerifyHashedPassword(User, hash, password);
        rehash = result == PasswordVerificationResult.SuccessRehashNeeded;
        return result != PasswordVerificationResult.Failed;
    }

    /// <exception cref="ArgumentException">Shorter than <see cref="MinimumLength"/> or longer than <see cref="MaximumLength"/>.</exception>
    public static void Validate(string password)
    {
        if (password is null || password.Length < MinimumLength)
        {
            throw new ArgumentException($"The password must have at least {MinimumLength} characters.", nameof(password));
        }

        if (password.Length > MaximumLength)
        {
            throw new ArgumentException($"The password must have at most {MaximumLength} characters.", nameof(password));
        }
    }
}
