using System.Globalization;
using System.Reflection;

namespace OpenMss.Storage.Sql;

/// <summary>One numbered schema change of a backend, applied once, in order, in its own transaction.</summary>
internal sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// Loads the migrations embedded as <c>&lt;Backend&gt;/Migrations/NNNN_name.sql</c>. A released
/// migration is never edited: a schema change is a new file, with an upgrade test.
/// </summary>
internal static class Migrations
{
    public static IReadOnlyList<Migration> Load(string backend)
    {
        var prefix = $"migrations/{backend}/";
        var assembly = typeof(Migrations).Assembly;
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
                throw new InvalidOperationException($"The {backend} migrations must be numbered 1, 2, 3… without gaps.");
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
