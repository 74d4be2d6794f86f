using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMss.Identity.Endpoints;

/// <summary>
/// Makes the OpenIddict application table match <see cref="IdentityProviderOptions.Clients"/>:
/// creates or updates each listed client with only the permissions its flags allow, removes the others.
/// </summary>
internal static class ClientRegistrations
{
    public static async Task SyncAsync(IOpenIddictApplicationManager manager, IEnumerable<IdentityClient> clients, CancellationToken cancellationToken)
    {
        var wanted = new Dictionary<string, IdentityClient>(StringComparer.Ordinal);
        foreach (var client in clients)
        {
            Validate(client);
            if (!wanted.TryAdd(client.ClientId, client))
            {
                throw new ArgumentException($"Client '{client.ClientId}' is registered twice.");
            }
        }

        var stale = new List<object>();
        await foreach (var application in manager.ListAsync(count: null, offset: null, cancellationToken).ConfigureAwait(false))
        {
            var clientId = await manager.GetClientIdAsync(application, cancellationToken).ConfigureAwait(false);
            if (clientId is null || !wanted.ContainsKey(clientId))
            {
                stale.Add(application);
            }
        }

        foreach (var application in stale)
        {
            await manager.DeleteAsync(application, cancellationToken).ConfigureAwait(false);
        }

        foreach (var client in wanted.Values)
        {
            var descriptor = Describe(client);
            var existing = await manager.FindByClientIdAsync(client.ClientId, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                await manager.CreateAsync(descriptor, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await manager.UpdateAsync(existing, descriptor, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static void Validate(IdentityClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(client.ClientId);
        if (client.AllowClientCredentials && client.ClientSecret is null)
        {
            throw new ArgumentException($"Client '{client.ClientId}' uses client credentials and so needs a secret.");
        }

        if (client.AllowIntrospection && client.ClientSecret is null)
        {
            throw new ArgumentException($"Client '{client.ClientId}' introspects tokens and so needs a secret (RFC 7662 §2.1).");
        }

        if (client.RedirectUris.Count == 0 && !client.AllowPasswordGrant && !client.AllowClientCredentials && !client.AllowIntrospection)
        {
            throw new ArgumentException($"Client '{client.ClientId}' has no redirect URI and no grant enabled: it could do nothing.");
        }

        foreach (var uri in client.RedirectUris.Concat(client.PostLogoutRedirectUris))
        {
            if (!uri.IsAbsoluteUri || !string.IsNullOrEmpty(uri.Fragment))
            {
                throw new ArgumentException($"Client '{client.ClientId}': redirect URI '{uri}' must be absolute and without fragment (RFC 6749 §3.1.2).");
            }
        }
    }

    private static OpenIddictApplicationDescriptor Describe(IdentityClient client)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            ClientSecret = client.ClientSecret,
            ClientType = client.ClientSecret is null ? ClientTypes.Public : ClientTypes.Confidential,
            ApplicationType = ApplicationTypes.Web,
            ConsentType = ConsentTypes.Implicit,
            DisplayName = client.DisplayName ?? client.ClientId,
        };

        descriptor.Permissions.Add(Permissions.Endpoints.Token);
        descriptor.Permissions.Add(Permissions.Scopes.Profile);
        descriptor.Permissions.Add(Permissions.Prefixes.Scope + IdentityProtocol.MailScope);
        // Which kind of account signs in decides what a token gets (Principals): a professional
        // never receives patient-mail, a patient never mail.
        descriptor.Permissions.Add(Permissions.Prefixes.Scope + IdentityProtocol.PatientMailScope);

        if (client.RedirectUris.Count > 0)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Authorization);
            descriptor.Permissions.Add(Permissions.Endpoints.EndSession);
            descriptor.Permissions.Add(Permissions.GrantTypes.AuthorizationCode);
            descriptor.Permissions.Add(Permissions.ResponseTypes.Code);
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
            foreach (var uri in client.RedirectUris)
            {
                descriptor.RedirectUris.Add(uri);
            }

            foreach (var uri in client.PostLogoutRedirectUris)
            {
                descriptor.PostLogoutRedirectUris.Add(uri);
            }
        }

        if (client.AllowPasswordGrant)
        {
            descriptor.Permissions.Add(Permissions.GrantTypes.Password);
        }

        if (client.AllowClientCredentials)
        {
            descriptor.Permissions.Add(Permissions.GrantTypes.ClientCredentials);
        }

        if (client.AllowIntrospection)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Introspection);
        }

        if (client.AllowRefreshTokens)
        {
            descriptor.Permissions.Add(Permissions.GrantTypes.RefreshToken);
        }

        return descriptor;
    }
}
