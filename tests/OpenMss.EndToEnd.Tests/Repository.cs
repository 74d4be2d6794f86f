namespace OpenMss.EndToEnd.Tests;

/// <summary>The repository the tests run from: its documented examples and scripts are what the tests use.</summary>
internal static class Repository
{
    /// <summary>The folder holding <c>OpenMss.slnx</c>, above the test assembly.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "OpenMss.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("Repository root not found.");
        }
    }
}
