using System.Globalization;
using System.Reflection;

namespace OpenMss.Storage.Sql;

/// <summary>One numbered schema change of a backend, applied once, in order, in its own transaction.</summary>
public sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// Loads the migrations embedded as <c>&lt;Backend&gt;/Migrations/NNNN_name.sql</c> (logical resource
/// names <c>&lt;prefix&gt;NNNN_name.sql</c>). A released migration is never edited: a schema change is a
/// new file, with an upgrade test. Used by the mail store and by the directory's store.
/// </summary>
public static class Migrations
{
    /// <summary>The mail store's migrations for a backend (<c>sqlite</c> or <c>postgres</c>).</summary>
    internal static IReadOnlyList<Migration> Load(string backend) =>
        Load(typeof(Migrations).Assembly, $"migrations/{backend}/");

    /// <summary>The migrations embedded in <paramref name="assembly"/> under a resource name prefix, in order.</summary>
    /// <exception cref="InvalidOperationException">The numbering has a gap or does not start at 1.</exception>
    public static IReadOnlyList<Migration> Load(Assembly assembly, string prefix)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var fileName = resource[prefix.Length..];
            var separator = fileName.IndexOf('_', StringComparison.Ordinal);
            var version = int.Parse(fileName.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture);
            migrations.Add(new Migration(version, Path.GetFileNameWithoutExtension(fileName), Read(assembly, resource)));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"The migrations under {prefix} must be numbered 1, 2, 3… without gaps.");
            }
        }

        return migrations;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Missing embedded migration {resource}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
