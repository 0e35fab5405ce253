using System.IO.Compression;

namespace Serverless.Forecasting.Modeling;

/// <summary>
/// ML.NET stamps the time of saving on every entry of its model zip, so two identical models would
/// differ in bytes and in data hash. This rewrites the archive with the entries in their order, their
/// content untouched and one fixed time, so the same training gives the same file.
/// </summary>
internal static class DeterministicZip
{
    private static readonly DateTimeOffset FixedTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static byte[] Normalize(byte[] zip)
    {
        using var source = new ZipArchive(new MemoryStream(zip, writable: false), ZipArchiveMode.Read);
        using var output = new MemoryStream();
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                var copy = target.CreateEntry(entry.FullName, CompressionLevel.Optimal);
                copy.LastWriteTime = FixedTime;
                using var from = entry.Open();
                using var to = copy.Open();
                from.CopyTo(to);
            }
        }
        return output.ToArray();
    }
}
