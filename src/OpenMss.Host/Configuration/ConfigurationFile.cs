using System.Text.Json;

namespace OpenMss.Host.Configuration;

/// <summary>
/// Reading and writing the JSON configuration files of <c>openmss serve</c> (docs/configuration.md):
/// one file per service, whose <c>"service"</c> key says which service it configures.
/// </summary>
public static class ConfigurationFile
{
    /// <summary>The value of <c>"service"</c> for an operator node (also a file without the key).</summary>
    public const string Operator = "operator";

    /// <summary>The value of <c>"service"</c> for the national directory.</summary>
    public const string Directory = "directory";

    /// <summary>The value of <c>"service"</c> for the identity provider.</summary>
    public const string Identity = "identity";

    /// <summary>The value of <c>"service"</c> for the patient space (an operator with the patient registry).</summary>
    public const string PatientSpace = "patient-space";

    /// <summary>Which service a file configures: its <c>"service"</c> key, <c>operator</c> when absent.</summary>
    /// <exception cref="ConfigurationException">The file is missing, not JSON, or names an unknown service.</exception>
    public static string ServiceOf(string path)
    {
        var document = Parse<JsonElement>(path);
        if (document.ValueKind != JsonValueKind.Object)
        {
            throw new ConfigurationException($"Configuration file {path} is not a JSON object.");
        }

        foreach (var property in document.EnumerateObject())
        {
            if (string.Equals(property.Name, "service", StringComparison.OrdinalIgnoreCase))
            {
                var service = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                return service is Operator or Directory or Identity or PatientSpace
                    ? service
                    : throw new ConfigurationException("'service' must be 'operator', 'patient-space', 'directory' or 'identity'.");
            }
        }

        return Operator;
    }

    /// <summary>Deserializes a configuration file with the shared JSON options (comments and trailing commas allowed).</summary>
    /// <exception cref="ConfigurationException">The file is missing, malformed or empty.</exception>
    public static T Read<T>(string path)
        where T : class =>
        Parse<T?>(path) ?? throw new ConfigurationException($"Configuration file {path} is empty.");

    /// <summary>
    /// Writes a configuration file owner-only (0600), like a key file: it may carry a PostgreSQL
    /// connection string with its password.
    /// </summary>
    public static void Write<T>(string path, T config)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(path, options))
        using (var writer = new StreamWriter(file))
        {
            // The runtime type: a derived configuration (the patient space's) keeps its own settings.
            writer.Write(JsonSerializer.Serialize(config, config?.GetType() ?? typeof(T), OperatorConfig.JsonOptions));
        }

        if (!OperatingSystem.IsWindows())
        {
            // UnixCreateMode applies only when the file is new: tighten an existing one too.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>
    /// Resolves a path of the file against the file's folder; http(s) URLs and null stay as they are.
    /// </summary>
    public static string? Resolve(string? value, string baseDirectory) =>
        value is null || Uri.TryCreate(value, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"
            ? value
            : Path.GetFullPath(value, baseDirectory);

    /// <summary>Throws the one-line error naming <paramref name="key"/> when the value is empty.</summary>
    public static void Require(string? value, string key)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ConfigurationException($"'{key}' is required.");
        }
    }

    /// <summary>Throws the one-line error naming <paramref name="key"/> unless it is <c>sqlite</c> or <c>postgres</c>.</summary>
    public static void RequireStorageProvider(string provider, string key)
    {
        if (provider is not ("sqlite" or "postgres"))
        {
            throw new ConfigurationException($"'{key}' must be 'sqlite' or 'postgres'.");
        }
    }

    /// <summary>Resolves the certificate, key, trust anchor and CRL paths of a <c>tls</c> section.</summary>
    public static void ResolveTls(TlsConfig tls, string baseDirectory)
    {
        tls.Certificate = Resolve(tls.Certificate, baseDirectory);
        tls.Key = Resolve(tls.Key, baseDirectory);
        tls.TrustAnchor = Resolve(tls.TrustAnchor, baseDirectory);
        tls.Crl = Resolve(tls.Crl, baseDirectory);
    }

    /// <summary>Checks a <c>storage</c> section: a known provider and a connection string.</summary>
    public static void RequireStorage(StorageConfig storage)
    {
        RequireStorageProvider(storage.Provider, "storage.provider");
        Require(storage.ConnectionString, "storage.connectionString");
    }

    /// <summary>A SQLite file name (not a connection string with <c>key=value</c>) resolved against the file's folder.</summary>
    public static string ResolveSqlite(string provider, string connectionString, string baseDirectory) =>
        provider == "sqlite" && !connectionString.Contains('=', StringComparison.Ordinal)
            ? Path.GetFullPath(connectionString, baseDirectory)
            : connectionString;

    private static T Parse<T>(string path)
    {
        if (!File.Exists(path))
        {
            throw new ConfigurationException($"Configuration file not found: {path}");
        }

        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<T>(stream, OperatorConfig.JsonOptions)!;
        }
        catch (JsonException e)
        {
            throw new ConfigurationException($"Configuration file {path} is not valid JSON: {e.Message}");
        }
    }
}
