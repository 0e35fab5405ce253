namespace Serverless.Hosting.Composition;

/// <summary>The engine database or the state folder cannot be used; the message names the path and why.</summary>
public sealed class StateFileException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>
/// The state of a host or CLI on this machine (engine database, keys, blobs, documents under <c>.data/</c>) is
/// readable only by the user that runs it: folders this creates are 700, the databases 600 (SQLite gives its
/// journal files the database's mode), as the keys file already is.
/// </summary>
public static class StateFiles
{
    /// <summary>The default state folder in the working folder.</summary>
    public const string DefaultFolder = ".data";

    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the default state folder and the database's folder (700) and the database file (600) when missing.</summary>
    public static void Prepare(string baseDirectory, string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        var full = Path.GetFullPath(databasePath);
        try
        {
            CreatePrivateFolder(Path.Combine(Path.GetFullPath(baseDirectory), DefaultFolder));
            CreatePrivateFolder(Path.GetDirectoryName(full)!);
            CreatePrivateFile(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StateFileException($"The engine database {full} cannot be created or opened: {ex.Message}", ex);
        }
    }

    /// <summary>Creates <paramref name="folder"/> (and missing parents) readable only by this user; an existing folder is left as it is.</summary>
    public static void CreatePrivateFolder(string folder)
    {
        if (Directory.Exists(folder)) return;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
        else Directory.CreateDirectory(folder, PrivateFolder);
    }

    /// <summary>Creates an empty <paramref name="path"/> readable only by this user unless it exists.</summary>
    public static void CreatePrivateFile(string path)
    {
        if (File.Exists(path)) return;
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.ReadWrite };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = PrivateFile;
        try
        {
            using var _ = new FileStream(path, options);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it meanwhile.
        }
    }
}
