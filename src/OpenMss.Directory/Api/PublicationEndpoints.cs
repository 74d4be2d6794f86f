using Microsoft.Extensions.DependencyInjection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenMss.Core;
using OpenMss.Core.Addressing;
using OpenMss.Core.Identifiers;
using OpenMss.Directory.Client;
using OpenMss.Trust;

namespace OpenMss.Directory.Api;

/// <summary>
/// The operators' publication API, authenticated by mutual TLS: the client certificate must
/// be trusted (<see cref="TrustValidator.ValidateClient"/>: chain, validity, usage, CRL) and the mailbox
/// domain must be both named by the certificate (SAN dNSName) and registered to that operator in the
/// directory. 401 without a valid certificate, 403 for someone else's domain. Every attempt, refused or
/// not, is in the audit trail (who, what, which address, when, result) and nothing else about the mailbox.
/// </summary>
internal static class PublicationEndpoints
{
    private const string Prefix = "/api/publication/mailboxes";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPut(Prefix + "/{address}", PutAsync);
        app.MapDelete(Prefix + "/{address}", DeleteAsync);
        app.MapGet(Prefix, ListAsync);
    }

    /// <summary>Who is calling: the trusted certificate and the operator it belongs to.</summary>
    private sealed record Caller(PeerCheck Check, OperatorRecord? Operator, string Actor);

    private static async Task<(Caller? Caller, IResult? Refusal)> AuthenticateAsync(HttpContext context, TrustValidator validator, IDirectoryStore store, string action, string? address, CancellationToken cancellationToken)
    {
        var certificate = await context.Connection.GetClientCertificateAsync(cancellationToken);
        var check = validator.ValidateClient(certificate);
        if (!check.IsTrusted)
        {
            var actor = check.Subject ?? "anonymous";
            await AuditAsync(context, store, actor, null, action, address, "refused: " + check.Failure, cancellationToken);
            var detail = certificate is null
                ? "La publication dans l'annuaire exige le certificat client de l'opérateur (authentification TLS mutuelle)."
                : "Le certificat client présenté n'est pas reconnu par l'espace de confiance (" + check.Failure + ").";
            return (null, Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Authentification requise", detail: detail));
        }

        OperatorRecord? owner = null;
        foreach (var name in check.DnsNames)
        {
            owner = await store.FindOperatorByDomainAsync(name, cancellationToken);
            if (owner is not null)
            {
                break;
            }
        }

        return (new Caller(check, owner, check.Subject ?? "unknown"), null);
    }

    /// <summary>Whether the caller may manage mailboxes of <paramref name="domain"/>: named by its certificate and registered to its operator.</summary>
    private static bool MayManage(Caller caller, string domain, X509Certificate2? certificate)
    {
        if (caller.Operator is null || !caller.Check.NamesDomain(domain) || !caller.Operator.Domains.Contains(domain, StringComparer.Ordinal))
        {
            return false;
        }

        if (caller.Operator.CertificateThumbprint is { } pinned)
        {
            return certificate is not null && string.Equals(Convert.ToHexString(SHA256.HashData(certificate.RawData)), pinned, StringComparison.OrdinalIgnoreCase);
        }

        return true;
    }

    private static IResult Forbidden(string domain) => Results.Problem(
        statusCode: StatusCodes.Status403Forbidden,
        title: "Accès refusé",
        detail: $"Le domaine {domain} n'appartient pas à l'opérateur authentifié : un opérateur ne publie que les boîtes aux lettres de ses propres domaines.");

    private static async Task<IResult> PutAsync(string address, HttpContext context, TrustValidator validator, IDirectoryStore store, CancellationToken cancellationToken)
    {
        var (caller, refusal) = await AuthenticateAsync(context, validator, store, "publish", SafeAddress(address), cancellationToken);
        if (caller is null)
        {
            return refusal!;
        }

        var operatorName = caller.Operator?.Name;
        if (!MssAddress.TryParse(address, out var parsed, out var addressError))
        {
            await AuditAsync(context, store, caller.Actor, operatorName, "publish", null, "refused: invalid address", cancellationToken);
            return DirectoryServer.BadRequest(addressError.Reason);
        }

        if (!MayManage(caller, parsed.Domain, context.Connection.ClientCertificate))
        {
            await AuditAsync(context, store, caller.Actor, operatorName, "publish", parsed.Value, "refused: foreign domain", cancellationToken);
            return Forbidden(parsed.Domain);
        }

        MailboxPublication? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<MailboxPublication>(context.Request.Body, Json, cancellationToken);
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body is null)
        {
            await AuditAsync(context, store, caller.Actor, operatorName, "publish", parsed.Value, "refused: invalid body", cancellationToken);
            return DirectoryServer.BadRequest("Le corps de la requête doit être un objet JSON décrivant la boîte aux lettres (kind, rpps, finess…).");
        }

        if (parsed.IsPatientDomain)
        {
            await AuditAsync(context, store, caller.Actor, operatorName, "publish", parsed.Value, "refused: patient address", cancellationToken);
            return DirectoryServer.BadRequest("Les boîtes aux lettres des patients ne sont pas publiées dans l'annuaire des professionnels.");
        }

        var (entry, problem) = ToEntry(parsed, body, operatorName);
        if (entry is null)
        {
            await AuditAsync(context, store, caller.Actor, operatorName, "publish", parsed.Value, "refused: invalid data", cancellationToken);
            return DirectoryServer.BadRequest(problem!);
        }

        var outcome = await store.PublishAsync(entry, cancellationToken);
        await AuditAsync(context, store, caller.Actor, operatorName, "publish", parsed.Value, outcome == PublishOutcome.Created ? "created" : "updated", cancellationToken);
        var stored = await store.FindAsync(parsed.Value, cancellationToken);
        var view = MailboxView.From(stored ?? entry);
        return outcome == PublishOutcome.Created
            ? Results.Created("/api/mailboxes/" + Uri.EscapeDataString(parsed.Value), view)
            : Results.Ok(view);
    }

    private static async Task<IResult> DeleteAsync(string address, HttpContext context, TrustValidator validator, IDirectoryStore store, CancellationToken cancellationToken)
    {
        var (caller, refusal) = await AuthenticateAsync(context, validator, store, "delete", SafeAddress(address), cancellationToken);
        if (caller is null)
        {
            return refusal!;
        }

        var operatorName = caller.Operator?.Name;
        if (!MssAddress.TryParse(address, out var parsed, out var addressError))
        {
            await AuditAsync(context, store, caller.Actor, operatorName, "delete", null, "refused: invalid address", cancellationToken);
            return DirectoryServer.BadRequest(addressError.Reason);
        }

        if (!MayManage(caller, parsed.Domain, context.Connection.ClientCertificate))
        {
            await AuditAsync(context, store, caller.Actor, operatorName, "delete", parsed.Value, "refused: foreign domain", cancellationToken);
            return Forbidden(parsed.Domain);
        }

        var deleted = await store.DeleteAsync(parsed.Value, cancellationToken);
        await AuditAsync(context, store, caller.Actor, operatorName, "delete", parsed.Value, deleted ? "deleted" : "not-found", cancellationToken);
        return deleted
            ? Results.NoContent()
            : DirectoryServer.NotFound("Aucune boîte aux lettres ne porte cette adresse dans l'annuaire.");
    }

    private static async Task<IResult> ListAsync(HttpContext context, TrustValidator validator, IDirectoryStore store, CancellationToken cancellationToken)
    {
        var (caller, refusal) = await AuthenticateAsync(context, validator, store, "list", null, cancellationToken);
        if (caller is null)
        {
            return refusal!;
        }

        var domains = caller.Operator?.Domains.Where(d => MayManage(caller, d, context.Connection.ClientCertificate)).ToList() ?? [];
        if (domains.Count == 0)
        {
            await AuditAsync(context, store, caller.Actor, caller.Operator?.Name, "list", null, "refused: no registered domain", cancellationToken);
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Accès refusé",
                detail: "Aucun domaine de ce certificat n'est enregistré pour un opérateur dans l'annuaire.");
        }

        var entries = await store.ListByDomainsAsync(domains, cancellationToken);
        await AuditAsync(context, store, caller.Actor, caller.Operator?.Name, "list", null, "ok", cancellationToken);
        return Results.Json(new { items = entries.Select(MailboxView.From).ToList() });
    }

    /// <summary>Checks a publication and turns it into a directory entry; or a French reason.</summary>
    internal static (DirectoryEntry? Entry, string? Problem) ToEntry(MssAddress address, MailboxPublication body, string? publisher)
    {
        if (!MailboxKinds.TryParseCode(body.Kind, out var kind))
        {
            return (null, "Le type de boîte aux lettres (« kind ») doit être PER, ORG, APP ou CAB.");
        }

        string? Clean(string? value, int max = 200) => string.IsNullOrWhiteSpace(value) ? null : value.Trim()[..Math.Min(value.Trim().Length, max)];

        ProfessionalInfo? professional = null;
        if (!string.IsNullOrWhiteSpace(body.Rpps) || !string.IsNullOrWhiteSpace(body.Adeli))
        {
            string type, number;
            if (!string.IsNullOrWhiteSpace(body.Rpps))
            {
                if (!Rpps.TryParse(body.Rpps, out var rpps, out var error))
                {
                    return (null, error.Reason);
                }

                (type, number) = ("8", rpps.Value);
            }
            else
            {
                if (!Adeli.TryParse(body.Adeli, out var adeli, out var error))
                {
                    return (null, error.Reason);
                }

                (type, number) = ("0", adeli.Value);
            }

            professional = new ProfessionalInfo
            {
                IdType = type,
                Identifier = number,
                IdNatPs = type + number,
                Civility = Clean(body.Civility, 10),
                LastName = Clean(body.LastName),
                FirstName = Clean(body.FirstName),
                CategoryCode = Clean(body.CategoryCode, 10),
                CategoryLabel = Clean(body.CategoryLabel),
                ProfessionCode = Clean(body.ProfessionCode, 10),
                ProfessionLabel = Clean(body.ProfessionLabel),
                SkillCode = Clean(body.SkillCode, 20),
                SkillLabel = Clean(body.SkillLabel),
            };
        }
        else if (kind == MailboxKind.Personal)
        {
            return (null, "Une boîte aux lettres personnelle (PER) doit indiquer le RPPS (ou l'ADELI) de son titulaire.");
        }

        StructureInfo? structure = null;
        if (!string.IsNullOrWhiteSpace(body.Finess) || !string.IsNullOrWhiteSpace(body.Siret))
        {
            string type, number;
            if (!string.IsNullOrWhiteSpace(body.Finess))
            {
                if (!Finess.TryParse(body.Finess, out var finess, out var error))
                {
                    return (null, error.Reason);
                }

                (type, number) = (StructureInfo.FinessType, finess.Value);
            }
            else
            {
                if (!Siret.TryParse(body.Siret, out var siret, out var error))
                {
                    return (null, error.Reason);
                }

                (type, number) = (StructureInfo.SiretType, siret.Value);
            }

            var postalCode = Clean(body.PostalCode, 5);
            if (postalCode is not null && (postalCode.Length != 5 || !postalCode.All(char.IsAsciiDigit)))
            {
                return (null, "Le code postal comporte 5 chiffres.");
            }

            var town = Clean(body.Town, 100)?.ToUpperInvariant();
            structure = new StructureInfo
            {
                IdType = type,
                Identifier = number,
                Name = Clean(body.StructureName),
                Sign = Clean(body.StructureSign),
                StreetNumber = Clean(body.StreetNumber, 10),
                StreetType = Clean(body.StreetType, 10),
                StreetName = Clean(body.StreetName),
                PostalCode = postalCode,
                Line6 = postalCode is null && town is null ? null : string.Join(' ', new[] { postalCode, town }.Where(v => v is not null)),
                Department = postalCode is null ? null : Storage.Sql.EntryRow.DepartmentOf(postalCode),
                Country = postalCode is null ? null : "FRANCE",
            };
        }
        else if (kind == MailboxKind.Organisational)
        {
            return (null, "Une boîte aux lettres organisationnelle (ORG) doit indiquer le FINESS ou le SIRET de sa structure.");
        }

        if (kind == MailboxKind.Personal && !string.IsNullOrWhiteSpace(body.Responsible))
        {
            return (null, "Le responsable n'est pas renseigné pour une boîte aux lettres personnelle (PER).");
        }

        var entry = new DirectoryEntry
        {
            Address = address.Value,
            Kind = kind,
            Professional = professional,
            Structure = structure,
            Service = Clean(body.Service),
            Description = Clean(body.Description, 500),
            Phone = Clean(body.Phone, 30),
            Responsible = Clean(body.Responsible),
            ListeRouge = body.ListeRouge,
            Dematerialisation = body.Dematerialisation,
            Source = EntrySource.Publication,
            PublishedBy = publisher,
        };
        return (entry, null);
    }

    /// <summary>The address for the audit trail: only if it is one (never arbitrary request text).</summary>
    private static string? SafeAddress(string address) => MssAddress.TryParse(address, out var parsed, out _) ? parsed.Value : null;

    private static Task AuditAsync(HttpContext context, IDirectoryStore store, string actor, string? operatorName, string action, string? address, string result, CancellationToken cancellationToken) =>
        store.AppendAuditAsync(new DirectoryAuditEvent(context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(), actor, operatorName, action, address, result), cancellationToken);
}
