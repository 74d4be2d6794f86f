using System.Text;
using Microsoft.Extensions.Time.Testing;
using OpenMss.PatientSpace.Registry;
using OpenMss.Testing;

namespace OpenMss.PatientSpace.Tests;

/// <summary>The patient registry on both backends: import (upsert, all or nothing), lookups, state changes, data sealed at rest.</summary>
public sealed class PatientRegistryTests
{
    public static TheoryData<StoreBackend> Backends => TestStores.Backends;

    private static async Task<PatientImportSummary> ImportAsync(IPatientRegistry registry, params PatientImportRow[] rows)
    {
        await using var import = await registry.BeginImportAsync();
        foreach (var row in rows)
        {
            await import.WriteAsync(row);
        }

        return await import.CommitAsync();
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task An_imported_patient_is_found_with_every_field(StoreBackend backend)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        await using var test = await TestRegistry.CreateAsync(backend, time);
        var identity = TestPatients.Identity();
        var summary = await ImportAsync(test.Registry,
            new PatientImportRow(TestPatients.Alice, identity, PatientAccountState.Activated),
            new PatientImportRow(TestPatients.Chiara, TestPatients.Identity("Chiara", "ROSSI", email: null, card: null), PatientAccountState.NotActivated));

        Assert.Equal(new PatientImportSummary(2, 2, 2), summary);
        Assert.Equal(2, await test.Registry.CountAsync());
        var alice = await test.Registry.FindAsync(TestPatients.Alice);
        Assert.NotNull(alice);
        Assert.Equal(identity, alice.Identity);
        Assert.Equal(PatientAccountState.Activated, alice.State);
        Assert.Equal(time.GetUtcNow(), alice.StateChangedAt);
        Assert.Null(alice.PersonalEmail);

        var chiara = await test.Registry.FindAsync(TestPatients.Chiara);
        Assert.Equal("ROSSI", chiara!.Identity.FamilyName);
        Assert.Null(chiara.Identity.InsurerEmail);
        Assert.Equal(PatientAccountState.NotActivated, await test.Registry.FindStateAsync(TestPatients.Chiara));
        Assert.Null(await test.Registry.FindStateAsync(TestPatients.Bruno));
        Assert.Null(await test.Registry.FindAsync(TestPatients.Bruno));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task A_reimport_updates_patients_by_ins_and_never_undoes_an_activation(StoreBackend backend)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        await using var test = await TestRegistry.CreateAsync(backend, time);
        var first = time.GetUtcNow();
        await ImportAsync(test.Registry,
            new PatientImportRow(TestPatients.Alice, TestPatients.Identity(), PatientAccountState.Activated),
            new PatientImportRow(TestPatients.Bruno, TestPatients.Identity("Bruno", "LEROY"), PatientAccountState.NotActivated),
            new PatientImportRow(TestPatients.Denis, TestPatients.Identity("Denis", "FABRE"), PatientAccountState.NotActivated));

        time.Advance(TimeSpan.FromDays(2));
        var summary = await ImportAsync(test.Registry,
            // The insurer's older view: Alice activated since; she stays activated.
            new PatientImportRow(TestPatients.Alice, TestPatients.Identity(family: "MARTIN-DURAND"), PatientAccountState.NotActivated),
            // Same state: its time does not move.
            new PatientImportRow(TestPatients.Bruno, TestPatients.Identity("Bruno", "LEROY"), PatientAccountState.NotActivated),
            // Opposition recorded by the insurer: applies.
            new PatientImportRow(TestPatients.Denis, TestPatients.Identity("Denis", "FABRE"), PatientAccountState.Opposed),
            new PatientImportRow(TestPatients.Chiara, TestPatients.Identity("Chiara", "ROSSI"), PatientAccountState.NotActivated));

        Assert.Equal(new PatientImportSummary(4, 1, 4), summary);
        var alice = await test.Registry.FindAsync(TestPatients.Alice);
        Assert.Equal("MARTIN-DURAND", alice!.Identity.FamilyName);
        Assert.Equal(PatientAccountState.Activated, alice.State);
        Assert.Equal(first, alice.StateChangedAt);
        Assert.Equal(first, (await test.Registry.FindAsync(TestPatients.Bruno))!.StateChangedAt);
        var denis = await test.Registry.FindAsync(TestPatients.Denis);
        Assert.Equal(PatientAccountState.Opposed, denis!.State);
        Assert.Equal(time.GetUtcNow(), denis.StateChangedAt);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task The_last_row_of_an_ins_in_one_import_wins(StoreBackend backend)
    {
        await using var test = await TestRegistry.CreateAsync(backend);
        var summary = await ImportAsync(test.Registry,
            new PatientImportRow(TestPatients.Bruno, TestPatients.Identity("Bruno", "LEROY"), PatientAccountState.NotActivated),
            new PatientImportRow(TestPatients.Bruno, TestPatients.Identity("Bruno", "LEROUX"), PatientAccountState.Closed));

        Assert.Equal(new PatientImportSummary(2, 1, 1), summary);
        var bruno = await test.Registry.FindAsync(TestPatients.Bruno);
        Assert.Equal(("LEROUX", PatientAccountState.Closed), (bruno!.Identity.FamilyName, bruno.State));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task An_import_not_committed_changes_nothing(StoreBackend backend)
    {
        await using var test = await TestRegistry.CreateAsync(backend);
        await ImportAsync(test.Registry, new PatientImportRow(TestPatients.Alice, TestPatients.Identity(), PatientAccountState.NotActivated));

        await using (var import = await test.Registry.BeginImportAsync())
        {
            await import.WriteAsync(new PatientImportRow(TestPatients.Alice, TestPatients.Identity(), PatientAccountState.Opposed));
            await import.WriteAsync(new PatientImportRow(TestPatients.Bruno, TestPatients.Identity("Bruno", "LEROY"), PatientAccountState.Activated));
        }

        Assert.Equal(1, await test.Registry.CountAsync());
        Assert.Equal(PatientAccountState.NotActivated, await test.Registry.FindStateAsync(TestPatients.Alice));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Set_state_reports_the_change_and_the_unknown_patient(StoreBackend backend)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        await using var test = await TestRegistry.CreateAsync(backend, time);
        await ImportAsync(test.Registry, new PatientImportRow(TestPatients.Alice, TestPatients.Identity(), PatientAccountState.NotActivated));
        time.Advance(TimeSpan.FromHours(3));

        var change = await test.Registry.SetStateAsync(TestPatients.Alice, PatientAccountState.Opposed);
        Assert.Equal(new PatientStateChange(PatientAccountState.NotActivated, PatientAccountState.Opposed, time.GetUtcNow()), change);
        Assert.True(change!.Changed);
        Assert.Equal(PatientAccountState.Opposed, await test.Registry.FindStateAsync(TestPatients.Alice));

        time.Advance(TimeSpan.FromHours(1));
        var again = await test.Registry.SetStateAsync(TestPatients.Alice, PatientAccountState.Opposed);
        Assert.False(again!.Changed);
        Assert.Equal(change.At, again.At);

        Assert.Null(await test.Registry.SetStateAsync(TestPatients.Bruno, PatientAccountState.Closed));
        Assert.Equal(1, await test.Registry.CountAsync());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Personal_data_is_sealed_at_rest_and_the_personal_email_round_trips(StoreBackend backend)
    {
        await using var test = await TestRegistry.CreateAsync(backend);
        await ImportAsync(test.Registry, new PatientImportRow(TestPatients.Alice, TestPatients.Identity("Alicia", "QUENTINOVA", "alicia.q@example.org", "8025099887"), PatientAccountState.Activated));
        Assert.True(await test.Registry.SetPersonalEmailAsync(TestPatients.Alice, "alicia.perso@example.net"));
        Assert.False(await test.Registry.SetPersonalEmailAsync(TestPatients.Bruno, "someone@example.net"));
        Assert.Equal("alicia.perso@example.net", (await test.Registry.FindAsync(TestPatients.Alice))!.PersonalEmail);

        await using var connection = await test.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT identity, personal_email FROM pat_patients";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var stored = Encoding.Latin1.GetString(reader.GetFieldValue<byte[]>(0)) + Encoding.Latin1.GetString(reader.GetFieldValue<byte[]>(1));
        foreach (var secret in new[] { "Alicia", "QUENTINOVA", "alicia.q", "8025099887", "1985", "alicia.perso" })
        {
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task A_lookup_by_ins_is_an_index_seek(StoreBackend backend)
    {
        await using var test = await TestRegistry.CreateAsync(backend);
        await using (var import = await test.Registry.BeginImportAsync())
        {
            for (var i = 0; i < 3000; i++)
            {
                await import.WriteAsync(new PatientImportRow(TestPatients.Generated(i), TestPatients.Identity(), PatientAccountState.NotActivated));
            }

            await import.CommitAsync();
        }

        await using var connection = await test.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        if (backend == StoreBackend.Postgres)
        {
            command.CommandText = "ANALYZE pat_patients";
            await command.ExecuteNonQueryAsync();
        }

        // The statement FindStateAsync runs, with the same parameter.
        command.CommandText = (backend == StoreBackend.Sqlite ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + "SELECT state FROM pat_patients WHERE ins = @ins";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "ins";
        parameter.Value = TestPatients.Generated(1234).Value;
        command.Parameters.Add(parameter);
        var plan = new StringBuilder();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.AppendLine(reader.GetValue(reader.FieldCount - 1)?.ToString());
            }
        }

        if (backend == StoreBackend.Sqlite)
        {
            Assert.Contains("SEARCH pat_patients USING PRIMARY KEY (ins=?)", plan.ToString(), StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("Index Scan using pat_patients_pkey on pat_patients", plan.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(PatientAccountState.NotActivated, await test.Registry.FindStateAsync(TestPatients.Generated(2999)));
    }

    [Fact]
    public async Task A_second_open_of_a_migrated_registry_applies_nothing_and_keeps_the_patients()
    {
        await using var test = await TestRegistry.CreateAsync(StoreBackend.Sqlite);
        await ImportAsync(test.Registry, new PatientImportRow(TestPatients.Alice, TestPatients.Identity(), PatientAccountState.Activated));
        await using var again = await PatientRegistryFactory.OpenAsync(test.Options);
        Assert.Equal(PatientAccountState.Activated, await again.FindStateAsync(TestPatients.Alice));
    }
}
