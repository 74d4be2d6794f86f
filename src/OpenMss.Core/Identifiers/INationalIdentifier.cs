using System.Diagnostics.CodeAnalysis;

namespace OpenMss.Core.Identifiers;

/// <summary>
/// What every national identifier type offers, so that generic code (directory import, API binding)
/// can handle them alike. Also <see cref="IParsable{TSelf}"/>, so ASP.NET Core binds them from routes
/// and query strings (strict parse; the format provider is ignored).
/// </summary>
/// <remarks>
/// Policy (docs/identifiers.md): <see cref="TryParse(string?, out TSelf, out IdentifierError)"/> rejects a wrong
/// key — use it where a person types the identifier. <see cref="TryParseLenient"/> keeps a value whose only
/// fault is its key and reports that as an anomaly — use it for bulk import of the official files.
/// Both trim surrounding whitespace and reject anything else that is not part of the identifier.
/// </remarks>
public interface INationalIdentifier<TSelf> : IParsable<TSelf>
    where TSelf : struct, INationalIdentifier<TSelf>
{
    /// <summary>The canonical text (digits, with upper-case <c>2A</c>/<c>2B</c> where Corsica applies).</summary>
    string Value { get; }

    /// <summary>Whether the check key matches (always true for identifiers without a key, such as ADELI).</summary>
    bool IsKeyValid { get; }

    /// <summary>Strict parse: shape and key. On failure <paramref name="value"/> is <c>default</c>.</summary>
    static abstract bool TryParse([NotNullWhen(true)] string? input, out TSelf value, out IdentifierError error);

    /// <summary>
    /// Lenient parse for bulk import: true when the shape is right, even if the key is wrong; then
    /// <paramref name="anomaly"/> has code <see cref="IdentifierErrorCode.InvalidKey"/> and
    /// <see cref="IsKeyValid"/> is false. When false, <paramref name="anomaly"/> is the refusal.
    /// </summary>
    static abstract bool TryParseLenient([NotNullWhen(true)] string? input, out TSelf value, out IdentifierError anomaly);

    /// <summary>Strict parse.</summary>
    /// <exception cref="IdentifierFormatException">The input is not a valid identifier of this kind.</exception>
    static abstract TSelf Parse(string input);

    static TSelf IParsable<TSelf>.Parse(string s, IFormatProvider? provider) => TSelf.Parse(s);

    static bool IParsable<TSelf>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out TSelf result)
        => TSelf.TryParse(s, out result, out _);
}
