using System.Security.Cryptography;

namespace Serverless.Storage.Blobs;

/// <summary>SHA-256 of blob content as lowercase hex, the content hash every adapter reports.</summary>
public static class ContentHash
{
    private const int BufferSize = 81920;

    public static string Sha256(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static async Task<string> Sha256Async(Stream content, CancellationToken cancellationToken = default) =>
        Convert.ToHexStringLower(await SHA256.HashDataAsync(content, cancellationToken).ConfigureAwait(false));

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> and hashes it in the same pass.</summary>
    public static async Task<(string Sha256, long Length)> CopyAndHashAsync(Stream source, Stream destination, CancellationToken cancellationToken = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        long length = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            length += read;
        }
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), length);
    }
}
