namespace OpenMss.Testing;

/// <summary>The storage backends every storage test runs on.</summary>
public enum StoreBackend
{
    Sqlite,
    Postgres,
}
