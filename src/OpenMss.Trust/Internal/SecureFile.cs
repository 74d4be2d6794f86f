using System.Text;

namespace OpenMss.Trust;

/// <summary>
/// Writes files atomically (temporary file then rename), private keys readable by the owner only
/// (mode 0600 from creation, so the key is never briefly world-readable).
/// </summary>
internal static class SecureFile
{
    public static void WritePrivate(string path, string contents) => Write(path, contents, privateFile: true);

    public static void WritePublic(string path, string contents) => Write(path, contents, privateFile: false);

    private static void Write(string path, string contents, bool privateFile)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var temporary = full + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = privateFile
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                var bytes = Encoding.ASCII.GetBytes(contents);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            if (privateFile && !OperatingSystem.IsWindows())
            {
                // The process umask cannot widen UnixCreateMode, but state it explicitly anyway.
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
