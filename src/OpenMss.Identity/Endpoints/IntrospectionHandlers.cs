using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenMss.Core.Identifiers;
using OpenMss.Identity.Accounts;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OpenMss.Identity.Endpoints;

/// <summary>The clients registered as mail resource servers (<see cref="IdentityClient.AllowIntrospection"/>).</summary>
internal sealed class IntrospectionPolicy(IEnumerable<string> resourceServers)
{
    private readonly HashSet<string> _resourceServers = new(resourceServers, StringComparer.Ordinal);

    public bool IsResourceServer(string clientId) => _resourceServers.Contains(clientId);
}

/// <summary>
/// Replaces OpenIddict's check of who may introspect a token (RFC 7662 §2.1 leaves it to the
/// server). OpenIddict accepts only a caller named as the token's audience or presenter; the
/// audience of mail tokens is the resource <c>openmss-mail</c>, which is also the client id of the
/// public mail client in the demo. So, in addition, a confidential client registered with
/// <see cref="IdentityClient.AllowIntrospection"/> (an IMAP or submission server) may introspect
/// access tokens of the <see cref="IdentityProtocol.MailAudience"/> audience. Anything else gets
/// <c>active: false</c>, as with OpenIddict's own check.
/// </summary>
internal sealed class IntrospectionAuthorizedParty(IntrospectionPolicy policy) : IOpenIddictServerHandler<ValidateIntrospectionRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateIntrospectionRequestContext>()
            .AddFilter<OpenIddictServerHandlerFilters.RequireClientIdParameter>()
            .UseSingletonHandler<IntrospectionAuthorizedParty>()
            .SetOrder(OpenIddictServerHandlers.Introspection.ValidateAuthorizedParty.Descriptor.Order)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ValidateIntrospectionRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var principal = context.GenericTokenPrincipal;
        var clientId = context.ClientId;
        if (principal is null || string.IsNullOrEmpty(clientId))
        {
            context.Reject(Errors.InvalidToken);
            return ValueTask.CompletedTask;
        }

        var allowed = principal.HasTokenType(TokenTypeIdentifiers.AccessToken)
            ? !principal.HasClaim(Claims.Private.Audience) || principal.HasAudience(clientId)
              || !principal.HasClaim(Claims.Private.Presenter) || principal.HasPresenter(clientId)
              || (policy.IsResourceServer(clientId) && (principal.HasAudience(IdentityProtocol.MailAudience) || principal.HasAudience(IdentityProtocol.PatientMailAudience)))
            : !principal.HasClaim(Claims.Private.Presenter) || principal.HasPresenter(clientId);
        if (!allowed)
        {
            context.Reject(Errors.InvalidToken);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Makes introspection answer <c>active: false</c> for a professional's token once the account is
/// disabled or deleted, whatever the token's own lifetime: the check a resource server relies on
/// to stop a removed professional promptly (issue 4, "Protection").
/// </summary>
internal sealed class IntrospectionAccountStatus(IAccountStore accounts, PatientAccountStore patients) : IOpenIddictServerHandler<ValidateIntrospectionRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateIntrospectionRequestContext>()
            .UseSingletonHandler<IntrospectionAccountStatus>()
            .SetOrder(IntrospectionAuthorizedParty.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateIntrospectionRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.GenericTokenPrincipal?.GetClaim(IdentityProtocol.InsClaim) is { } ins)
        {
            // A patient's token: inactive once the account is disabled (opposition, closure).
            var patient = await patients.FindAsync(ins, context.CancellationToken).ConfigureAwait(false);
            if (patient is not { IsActive: true })
            {
                context.Reject(Errors.InvalidToken);
            }

            return;
        }

        var subject = context.GenericTokenPrincipal?.GetClaim(Claims.Subject);
        if (subject is null || !IdNatPs.TryParse(subject, out _, out _))
        {
            // A client credentials token: its subject is a client, checked by OpenIddict itself.
            return;
        }

        var account = await accounts.FindAsync(subject, context.CancellationToken).ConfigureAwait(false);
        if (account is not { IsEnabled: true })
        {
            context.Reject(Errors.InvalidToken);
        }
    }
}
