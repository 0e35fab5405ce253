using System.Security.Cryptography;
using System.Text;

namespace Serverless.Recommendations;

/// <summary>SHA-256 helpers for data hashes and version strings (lower-case hex).</summary>
internal static class ContentHash
{
    public static string Of(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static string Short(string hex, int length = 12) => hex.Length <= length ? hex : hex[..length];
}
