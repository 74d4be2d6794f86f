namespace OpenMss.Identity.Keys;

/// <summary>
/// A folder only its owner can enter (mode 0700), for key material such as the ASP.NET Core
/// DataProtection key ring, whose XML files hold keys unencrypted.
/// </summary>
internal static class PrivateDirectory
{
    public static DirectoryInfo Create(string path)
    {
        var info = OperatingSystem.IsWindows()
            ? Directory.CreateDirectory(path)
            : Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (!OperatingSystem.IsWindows())
        {
            // CreateDirectory leaves an existing folder's mode alone: tighten it as well.
            File.SetUnixFileMode(info.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return info;
    }
}
