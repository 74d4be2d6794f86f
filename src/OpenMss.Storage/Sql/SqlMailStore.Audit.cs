using System.Text;

namespace OpenMss.Storage.Sql;

internal abstract partial class SqlMailStore
{
    public Task AppendAuditAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        ArgumentException.ThrowIfNullOrWhiteSpace(auditEvent.Actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(auditEvent.Action);
        ArgumentException.ThrowIfNullOrWhiteSpace(auditEvent.Result);
        var at = Truncate(auditEvent.At);
        var mailbox = auditEvent.Mailbox is null ? null : NormalizeAddress(auditEvent.Mailbox);
        return WriteAsync(
            async (session, ct) => await InsertAuditAsync(session, at, auditEvent.Actor, mailbox, auditEvent.Action, auditEvent.Result, auditEvent.ClientAddress, auditEvent.Detail, ct).ConfigureAwait(false),
            cancellationToken);
    }

    public Task<long> PurgeAuditAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        var cutoff = Truncate(before);
        return WriteAsync(
            async (session, ct) => (long)await session.Command("DELETE FROM audit_events WHERE at < @before")
                .With("before", TimeValue(cutoff))
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false),
            cancellationToken);
    }

    /// <summary>Writes one audit row inside the caller's transaction.</summary>
    private async Task<int> InsertAuditAsync(
        DbSession session, DateTimeOffset at, string actor, string? mailbox, string action, string result, string? client, string? detail, CancellationToken cancellationToken) =>
        await session.Command(
                "INSERT INTO audit_events (at, actor, mailbox, action, result, client_address, detail) " +
                "VALUES (@at, @actor, @mailbox, @action, @result, @client, @detail)")
            .With("at", TimeValue(at))
            .With("actor", actor)
            .With("mailbox", mailbox)
            .With("action", action)
            .With("result", result)
            .With("client", client)
            .With("detail", detail)
            .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Events matching every given criterion, newest first. <see cref="AuditQuery.From"/> is
    /// inclusive and <see cref="AuditQuery.To"/> exclusive; mailboxes match case-insensitively.
    /// </summary>
    public async Task<IReadOnlyList<AuditEvent>> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        var sql = new StringBuilder("SELECT id, at, actor, mailbox, action, result, client_address, detail FROM audit_events WHERE 1 = 1");
        if (query.Mailbox is not null)
        {
            sql.Append(" AND mailbox = @mailbox");
        }

        if (query.Actor is not null)
        {
            sql.Append(" AND actor = @actor");
        }

        if (query.From is not null)
        {
            sql.Append(" AND at >= @from");
        }

        if (query.To is not null)
        {
            sql.Append(" AND at < @to");
        }

        sql.Append(" ORDER BY at DESC, id DESC LIMIT @limit");

        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var command = session.Command(sql.ToString());
            if (query.Mailbox is not null)
            {
                command.With("mailbox", NormalizeAddress(query.Mailbox));
            }

            if (query.Actor is not null)
            {
                command.With("actor", query.Actor);
            }

            if (query.From is { } from)
            {
                command.With("from", TimeValue(Truncate(from)));
            }

            if (query.To is { } to)
            {
                command.With("to", TimeValue(Truncate(to)));
            }

            command.With("limit", query.Limit);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var events = new List<AuditEvent>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    events.Add(new AuditEvent(
                        At: GetTime(reader, 1),
                        Actor: reader.GetString(2),
                        Mailbox: reader.GetNullableString(3),
                        Action: reader.GetString(4),
                        Result: reader.GetString(5),
                        ClientAddress: reader.GetNullableString(6),
                        Detail: reader.GetNullableString(7),
                        Id: reader.GetInt64(0)));
                }

                return events;
            }
        }
    }
}
