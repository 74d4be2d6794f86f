using System.Data.Common;
using System.Globalization;

namespace OpenMss.Storage.Sql;

internal abstract partial class SqlMailStore
{
    internal const string MemberAddedAction = "member.add";
    internal const string MemberRemovedAction = "member.remove";

    private const string MemberColumns = "m.address, mm.member_id, mm.display_name, mm.role, mm.added_at";

    public Task<bool> AddMemberAsync(string mailboxAddress, NewMember member, MembershipAudit audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentException.ThrowIfNullOrWhiteSpace(audit.Actor);
        var address = NormalizeAddress(mailboxAddress);
        var memberId = NormalizeMemberId(member.MemberId);
        var role = RoleCode(member.Role);
        var now = Truncate(Time.GetUtcNow());
        return WriteAsync(async (session, ct) =>
        {
            var mailboxId = await session.Command("SELECT id FROM mailboxes WHERE address = @address")
                .With("address", address)
                .ExecuteScalarAsync(ct).ConfigureAwait(false);
            if (mailboxId is null or DBNull)
            {
                throw new MailboxNotFoundException(address);
            }

            var id = Convert.ToInt64(mailboxId, CultureInfo.InvariantCulture);
            var inserted = await session.Command(
                    "INSERT INTO mailbox_members (mailbox_id, member_id, display_name, role, added_at) VALUES (@mailbox, @member, @display, @role, @at) " +
                    "ON CONFLICT (mailbox_id, member_id) DO NOTHING RETURNING mailbox_id")
                .With("mailbox", id)
                .With("member", memberId)
                .With("display", member.DisplayName)
                .With("role", role)
                .With("at", TimeValue(now))
                .ExecuteScalarAsync(ct).ConfigureAwait(false);
            var added = inserted is not null and not DBNull;
            if (!added)
            {
                await session.Command("UPDATE mailbox_members SET display_name = @display, role = @role WHERE mailbox_id = @mailbox AND member_id = @member")
                    .With("mailbox", id)
                    .With("member", memberId)
                    .With("display", member.DisplayName)
                    .With("role", role)
                    .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await InsertAuditAsync(session, now, audit.Actor, address, MemberAddedAction, added ? "ok" : "updated", audit.ClientAddress, memberId, ct).ConfigureAwait(false);
            return added;
        }, cancellationToken);
    }

    public Task<bool> RemoveMemberAsync(string mailboxAddress, string memberId, MembershipAudit audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentException.ThrowIfNullOrWhiteSpace(audit.Actor);
        var address = NormalizeAddress(mailboxAddress);
        var member = NormalizeMemberId(memberId);
        var now = Truncate(Time.GetUtcNow());
        return WriteAsync(async (session, ct) =>
        {
            var removed = await session.Command(
                    "DELETE FROM mailbox_members WHERE member_id = @member AND mailbox_id = (SELECT id FROM mailboxes WHERE address = @address)")
                .With("member", member)
                .With("address", address)
                .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            if (removed == 0)
            {
                return false;
            }

            await InsertAuditAsync(session, now, audit.Actor, address, MemberRemovedAction, "ok", audit.ClientAddress, member, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<MailboxMember>> ListMembersAsync(string mailboxAddress, CancellationToken cancellationToken = default) =>
        QueryMembersAsync(
            $"SELECT {MemberColumns} FROM mailbox_members mm JOIN mailboxes m ON m.id = mm.mailbox_id WHERE m.address = @key ORDER BY mm.member_id",
            NormalizeAddress(mailboxAddress),
            cancellationToken);

    public Task<IReadOnlyList<MailboxMember>> ListMembershipsAsync(string memberId, CancellationToken cancellationToken = default) =>
        QueryMembersAsync(
            $"SELECT {MemberColumns} FROM mailbox_members mm JOIN mailboxes m ON m.id = mm.mailbox_id WHERE mm.member_id = @key ORDER BY m.address",
            NormalizeMemberId(memberId),
            cancellationToken);

    public async Task<bool> IsMemberAsync(string mailboxAddress, string memberId, CancellationToken cancellationToken = default)
    {
        var address = NormalizeAddress(mailboxAddress);
        var member = NormalizeMemberId(memberId);
        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var found = await session.Command(
                    "SELECT 1 FROM mailbox_members mm JOIN mailboxes m ON m.id = mm.mailbox_id WHERE m.address = @address AND mm.member_id = @member")
                .With("address", address)
                .With("member", member)
                .ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return found is not null and not DBNull;
        }
    }

    private async Task<IReadOnlyList<MailboxMember>> QueryMembersAsync(string sql, string key, CancellationToken cancellationToken)
    {
        var session = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var reader = await session.Command(sql).With("key", key).ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var result = new List<MailboxMember>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    result.Add(ReadMember(reader));
                }

                return result;
            }
        }
    }

    private MailboxMember ReadMember(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetNullableString(2),
        ParseRole(reader.GetString(3)),
        GetTime(reader, 4));

    // An idNat_PS is digits and letters (RPPS "8…", ADELI "0…"); whitespace around it is a typing slip.
    private static string NormalizeMemberId(string memberId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(memberId);
        return memberId.Trim();
    }

    private static string RoleCode(MemberRole role) => role switch
    {
        MemberRole.Pharmacist => "pharmacist",
        MemberRole.Technician => "technician",
        MemberRole.Other => "other",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown member role."),
    };

    private static MemberRole ParseRole(string code) => code switch
    {
        "pharmacist" => MemberRole.Pharmacist,
        "technician" => MemberRole.Technician,
        "other" => MemberRole.Other,
        _ => throw new InvalidDataException($"Unknown member role '{code}' in the database."),
    };
}
