using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Serverless.Storage.Notifications.Webhooks;

/// <summary>
/// How a json webhook is signed, so its receiver can verify it: <c>X-Serverless-Signature: sha256=&lt;hex&gt;</c> is
/// HMAC-SHA256 with the shared key over <c>{timestamp}.{body}</c>, where <c>X-Serverless-Timestamp</c> is the Unix time
/// in seconds of the attempt. A receiver recomputes it, compares in constant time, and refuses a timestamp more than
/// a few minutes old (a replayed request); <c>X-Serverless-Notification-Id</c> lets it drop repeats.
/// </summary>
public static class WebhookSignature
{
    public const string SignatureHeader = "X-Serverless-Signature";
    public const string TimestampHeader = "X-Serverless-Timestamp";
    public const string NotificationIdHeader = "X-Serverless-Notification-Id";

    public static string Sign(string key, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), signed));
    }

    /// <summary>What a receiver does: true when the signature matches and the timestamp is within <paramref name="tolerance"/> of now.</summary>
    public static bool Verify(string key, string? timestampHeader, string? signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (signatureHeader is null || !long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)) return false;
        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > tolerance.TotalSeconds) return false;
        var expected = Encoding.ASCII.GetBytes(Sign(key, timestamp, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signatureHeader));
    }
}
