using OpenIddict.Server;
using OpenMss.Identity.Accounts;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OpenMss.Identity.Endpoints;

/// <summary>
/// OpenIddict logs each token request it extracts and redacts only the standard secret parameters
/// (password, client_secret, code…). This handler removes the custom <c>otp</c> field from the
/// parsed request right after extraction so the one-time code never reaches a log, and masks a
/// <c>username</c> that is not an RPPS/ADELI/idNat_PS (a password typed in the wrong field). The
/// token endpoint reads both from the form instead.
/// </summary>
internal sealed class OneTimeCodeRedaction : IOpenIddictServerHandler<ExtractTokenRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ExtractTokenRequestContext>()
            .UseSingletonHandler<OneTimeCodeRedaction>()
            .SetOrder(int.MaxValue - 50_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ExtractTokenRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (request is null)
        {
            return ValueTask.CompletedTask;
        }

        request.RemoveParameter(IdentityProtocol.OneTimeCodeParameter);
        if (request.Username is { Length: > 0 } username && !ProfessionalIdentifiers.TryParse(username, out _, out _))
        {
            request.Username = "[redacted]";
        }

        return ValueTask.CompletedTask;
    }
}
