using System.Globalization;
using OpenMss.Imap.Server;

/// <summary>Every user <c>name</c> with the bench password owns <c>name@medecin.mssante.fr</c>.</summary>
internal sealed class BenchAuthenticator : IImapAuthenticator
{
    public ValueTask<ImapAuthenticationResult> AuthenticatePasswordAsync(string user, string password, string? authorizationId, ImapClientInfo client, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(password == "bench" && authorizationId is null
            ? ImapAuthenticationResult.Success(new ImapPrincipal(user, user + "@medecin.mssante.fr"))
            : ImapAuthenticationResult.Failure("bad credentials"));

    public ValueTask<ImapAuthenticationResult> AuthenticateTokenAsync(string token, string? user, string? authorizationId, ImapClientInfo client, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(ImapAuthenticationResult.Failure("no tokens here"));

    public ValueTask<bool> IsStillAuthorizedAsync(ImapPrincipal principal, CancellationToken cancellationToken = default) => ValueTask.FromResult(true);
}

internal sealed record Args(string Command, Dictionary<string, string> Options)
{
    public static Args Parse(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }

        return new Args(args.Length > 0 ? args[0] : "", options);
    }

    public string Get(string name, string fallback) => Options.TryGetValue(name, out var v) ? v : fallback;

    public int GetInt(string name, int fallback) => Options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
