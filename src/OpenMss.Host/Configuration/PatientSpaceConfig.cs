using OpenMss.Core.Addressing;

namespace OpenMss.Host.Configuration;

/// <summary>
/// The configuration file of the patient space of Mon espace santé (<c>"service": "patient-space"</c>):
/// an operator of the trust space like the professional ones (relay, mutual TLS, whitelist, routing,
/// queue; every key of <see cref="OperatorConfig"/>), plus the patient domain and the patient registry.
/// Documented in docs/configuration.md ("Patient space") and docs/patients.md.
/// </summary>
public sealed class PatientSpaceConfig : OperatorConfig
{
    /// <summary><c>patient-space</c>.</summary>
    public override string Service => ConfigurationFile.PatientSpace;

    /// <summary>The domain of the patients' addresses, <c>&lt;INS&gt;@patient.mssante.fr</c>; one of <see cref="OperatorConfig.Domains"/> (the default list).</summary>
    public string PatientDomain { get; set; } = MssDomains.Patient;

    /// <summary>The patient registry's database.</summary>
    public PatientRegistryConfig Registry { get; set; } = new();

    /// <summary>Reads a patient-space configuration file and resolves its relative paths against its folder.</summary>
    /// <exception cref="ConfigurationException">The file is missing, malformed or incomplete.</exception>
    public static new PatientSpaceConfig Load(string path) => Load<PatientSpaceConfig>(path);

    public override void Validate()
    {
        if (Domains.Count == 0 && !string.IsNullOrWhiteSpace(PatientDomain))
        {
            Domains = [PatientDomain];
        }

        base.Validate();
        ConfigurationFile.Require(PatientDomain, "patientDomain");
        if (!Domains.Contains(PatientDomain.Trim(), StringComparer.OrdinalIgnoreCase))
        {
            throw new ConfigurationException($"'patientDomain' {PatientDomain} must be one of 'domains'.");
        }

        ConfigurationFile.RequireStorageProvider(Registry.Provider, "registry.provider");
        ConfigurationFile.Require(Registry.ConnectionString, "registry.connectionString");
    }

    protected override void ResolvePaths(string baseDirectory)
    {
        base.ResolvePaths(baseDirectory);
        Registry.ConnectionString = ConfigurationFile.ResolveSqlite(Registry.Provider, Registry.ConnectionString, baseDirectory);
    }
}

/// <summary>Where the patient registry is kept (its own <c>pat_*</c> tables; may share the mail store's database).</summary>
public sealed class PatientRegistryConfig
{
    /// <summary><c>sqlite</c> (embedded default) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>A SQLite file path or connection string, or an Npgsql connection string.</summary>
    public string ConnectionString { get; set; } = "patients.db";
}
