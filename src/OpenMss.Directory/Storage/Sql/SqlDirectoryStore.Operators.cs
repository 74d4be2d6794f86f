using OpenMss.Core.Addressing;
using OpenMss.Trust;
using OpenMss.Storage.Sql;

namespace OpenMss.Directory.Storage.Sql;

/// <summary>The registered operators and their domains.</summary>
internal abstract partial class SqlDirectoryStore
{
    // ---- Operators -----------------------------------------------------------------------------

    public async Task<OperatorRecord> RegisterOperatorAsync(string name, IReadOnlyList<string> domains, string? relayEndpoint, string? certificateThumbprint = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(domains);
        var normalizedDomains = new List<string>();
        foreach (var domain in domains)
        {
            if (!MssDomains.TryNormalize(domain, out var normalized) || !MssDomains.IsTrustSpaceDomain(normalized))
            {
                throw new ArgumentException($"'{domain}' is not a domain under .mssante.fr.", nameof(domains));
            }

            if (!normalizedDomains.Contains(normalized))
            {
                normalizedDomains.Add(normalized);
            }
        }

        if (normalizedDomains.Count == 0)
        {
            throw new ArgumentException("An operator has at least one domain.", nameof(domains));
        }

        string? relay = null;
        if (!string.IsNullOrWhiteSpace(relayEndpoint))
        {
            if (!RelayEndpoint.TryParse(relayEndpoint, out var endpoint))
            {
                throw new ArgumentException($"'{relayEndpoint}' is not a relay address (host:port).", nameof(relayEndpoint));
            }

            relay = endpoint.ToString();
        }

        var thumbprint = string.IsNullOrWhiteSpace(certificateThumbprint) ? null : certificateThumbprint.Replace(":", string.Empty, StringComparison.Ordinal).Trim().ToUpperInvariant();
        var now = Time.GetUtcNow();
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginWriteAsync(connection, cancellationToken);
        var id = await connection.ScalarLongAsync("SELECT id FROM dir_operators WHERE name = @name", transaction, cancellationToken, ("name", name.Trim()));
        if (id == 0)
        {
            id = await connection.ScalarLongAsync(
                "INSERT INTO dir_operators (name, relay_endpoint, certificate_thumbprint, registered_at) VALUES (@name, @relay, @thumb, @at) RETURNING id",
                transaction, cancellationToken, ("name", name.Trim()), ("relay", relay), ("thumb", thumbprint), ("at", now.ToUnixTimeMilliseconds()));
        }
        else
        {
            await connection.ExecuteAsync(
                "UPDATE dir_operators SET relay_endpoint = @relay, certificate_thumbprint = @thumb, registered_at = @at WHERE id = @id",
                transaction, cancellationToken, ("relay", relay), ("thumb", thumbprint), ("at", now.ToUnixTimeMilliseconds()), ("id", id));
        }

        foreach (var domain in normalizedDomains)
        {
            var owner = await connection.ScalarLongAsync("SELECT operator_id FROM dir_operator_domains WHERE domain = @domain", transaction, cancellationToken, ("domain", domain));
            if (owner != 0 && owner != id)
            {
                throw new ArgumentException($"The domain {domain} is registered to another operator.", nameof(domains));
            }
        }

        await connection.ExecuteAsync("DELETE FROM dir_operator_domains WHERE operator_id = @id", transaction, cancellationToken, ("id", id));
        foreach (var domain in normalizedDomains)
        {
            await connection.ExecuteAsync("INSERT INTO dir_operator_domains (domain, operator_id) VALUES (@domain, @id)", transaction, cancellationToken, ("domain", domain), ("id", id));
        }

        await InsertAuditAsync(connection, transaction, new DirectoryAuditEvent(now, "admin", name.Trim(), "register-operator", null, "ok: " + string.Join(' ', normalizedDomains)), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new OperatorRecord(id, name.Trim(), normalizedDomains, relay, thumbprint, DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()));
    }

    public async Task<IReadOnlyList<OperatorRecord>> ListOperatorsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT o.id, o.name, o.relay_endpoint, o.certificate_thumbprint, o.registered_at, d.domain FROM dir_operators o " +
            "LEFT JOIN dir_operator_domains d ON d.operator_id = o.id ORDER BY o.name, d.domain");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<OperatorRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetInt64(0);
            if (result.Count == 0 || result[^1].Id != id)
            {
                result.Add(new OperatorRecord(id, reader.GetString(1), new List<string>(),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
            }

            if (!reader.IsDBNull(5))
            {
                ((List<string>)result[^1].Domains).Add(reader.GetString(5));
            }
        }

        return result;
    }

    public async Task<OperatorRecord?> FindOperatorByDomainAsync(string domain, CancellationToken cancellationToken = default)
    {
        if (!MssDomains.TryNormalize(domain, out var normalized))
        {
            return null;
        }

        return (await ListOperatorsAsync(cancellationToken)).FirstOrDefault(o => o.Domains.Contains(normalized, StringComparer.Ordinal));
    }
}
