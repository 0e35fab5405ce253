using System.Security.Cryptography;
using System.Text;

namespace Serverless.Storage.Blobs.FileSystem;

/// <summary>
/// An exclusive lock on a blob path shared by every process using the same store folder:
/// an OS file lock (FileShare.None, flock on Unix) on one of a fixed set of lock files,
/// chosen by a hash of the path, so lock files never accumulate.
/// </summary>
internal sealed class PathLock : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(2);

    private readonly FileStream _handle;

    private PathLock(FileStream handle) => _handle = handle;

    public static async Task<PathLock> AcquireAsync(string lockDirectory, string blobPath, CancellationToken cancellationToken)
    {
        // Stable across processes (string.GetHashCode is not): the first byte of the SHA-256.
        var bucket = SHA256.HashData(Encoding.UTF8.GetBytes(blobPath))[0];
        var lockFile = Path.Combine(lockDirectory, $"{bucket:x2}.lock");
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return new PathLock(new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1));
            }
            catch (IOException) when (File.Exists(lockFile))
            {
                // Held by another writer (this or another process); the OS offers no async wait.
                if (DateTime.UtcNow >= deadline)
                {
                    throw new TimeoutException($"Could not lock blob '{blobPath}' within {Timeout.TotalSeconds:0} s (lock file '{lockFile}').");
                }
                await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _handle.Dispose();
}
