using System.Runtime.InteropServices;

namespace Serverless.Workflows.Inputs;

/// <summary>What a path names, without following a symbolic link and without opening it.</summary>
internal enum FileKind
{
    Missing,
    RegularFile,
    Directory,
    SymbolicLink,

    /// <summary>A FIFO, socket or device: opening one can block forever or never end.</summary>
    Special,
}

/// <summary>
/// Reads a path's type the way <c>lstat</c> does. .NET reports FIFOs and devices as plain files, and opening a
/// FIFO to find out blocks until a writer comes, so on Linux the type comes from <c>statx</c> (its layout is the
/// same on every architecture).
/// </summary>
internal static class FileKinds
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28;
    private const int FileTypeMask = 0xF000;
    private const int RegularFileType = 0x8000;
    private const int DirectoryType = 0x4000;
    private const int SymbolicLinkType = 0xA000;
    private const int NoSuchEntry = 2;
    private const int NotADirectory = 20;

    public static FileKind Of(string path)
    {
        if (OperatingSystem.IsLinux()) return OfLinux(path);
        // Elsewhere .NET's own view: links are seen, FIFOs and devices are not (the host runs on Linux).
        var info = new FileInfo(path);
        if (info.LinkTarget is not null) return FileKind.SymbolicLink;
        if (Directory.Exists(path)) return FileKind.Directory;
        return info.Exists ? FileKind.RegularFile : FileKind.Missing;
    }

    private static FileKind OfLinux(string path)
    {
        var buffer = new byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, buffer) != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            if (error is NoSuchEntry or NotADirectory) return FileKind.Missing;
            throw new IOException($"could not read the type of '{path}' (errno {error})");
        }
        return (BitConverter.ToUInt16(buffer, ModeOffset) & FileTypeMask) switch
        {
            RegularFileType => FileKind.RegularFile,
            DirectoryType => FileKind.Directory,
            SymbolicLinkType => FileKind.SymbolicLink,
            _ => FileKind.Special,
        };
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
