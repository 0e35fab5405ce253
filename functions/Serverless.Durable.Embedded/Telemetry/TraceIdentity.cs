using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Serverless.Durable.Embedded.Telemetry;

/// <summary>
/// Trace and span ids derived from what the engine stores (instance id, execution id, task id), so every episode,
/// in any process and after any restart, names the same trace and the same parent span without storing either.
/// An instance's execution is one trace; its root span is emitted when the execution ends, under the id its
/// children have used all along.
/// </summary>
internal static class TraceIdentity
{
    // System.Diagnostics has no public way to give an Activity a chosen span id; Durable Task's own runtime sets the
    // same two fields. Without them (a runtime that renamed them) the root span keeps a random id: the trace stays one
    // trace, and only the root's children point at a span id of their own.
    private static readonly FieldInfo? SpanIdField = Field("_spanId");
    private static readonly FieldInfo? IdField = Field("_id");
    private static readonly FieldInfo? ParentSpanIdField = Field("_parentSpanId");
    private static readonly FieldInfo? ParentIdField = Field("_parentId");

    public static bool CanFixSpanIds => SpanIdField is not null && IdField is not null && ParentSpanIdField is not null && ParentIdField is not null;

    public static ActivityTraceId TraceId(string instanceId, string executionId) =>
        ActivityTraceId.CreateFromBytes(Hash("trace", instanceId, executionId, null).AsSpan(0, 16));

    public static ActivitySpanId RootSpanId(string instanceId, string executionId) =>
        ActivitySpanId.CreateFromBytes(Hash("root", instanceId, executionId, null).AsSpan(0, 8));

    /// <summary>The span of a scheduled step (a sub-orchestration call), which the child's root span links to.</summary>
    public static ActivitySpanId StepSpanId(string instanceId, string executionId, int taskId) =>
        ActivitySpanId.CreateFromBytes(Hash("step", instanceId, executionId, taskId).AsSpan(0, 8));

    // A fan-out asks for the same instance's root thousands of times: its two hashes are computed once.
    private static readonly ConcurrentDictionary<(string InstanceId, string ExecutionId), ActivityContext> Roots = new();
    private const int MaxCachedRoots = 4_096;

    public static ActivityContext Root(string instanceId, string executionId)
    {
        if (Roots.TryGetValue((instanceId, executionId), out var cached)) return cached;
        if (Roots.Count >= MaxCachedRoots) Roots.Clear();
        var root = new ActivityContext(TraceId(instanceId, executionId), RootSpanId(instanceId, executionId), ActivityTraceFlags.Recorded, isRemote: true);
        Roots[(instanceId, executionId)] = root;
        return root;
    }

    public static ActivityContext Step(string instanceId, string executionId, int taskId) =>
        new(TraceId(instanceId, executionId), StepSpanId(instanceId, executionId, taskId), ActivityTraceFlags.Recorded, isRemote: true);

    /// <summary>Gives a started activity the span id its children already point at.</summary>
    public static void FixSpanId(Activity activity, ActivitySpanId spanId)
    {
        if (!CanFixSpanIds || activity.IdFormat != ActivityIdFormat.W3C) return;
        var flags = activity.Recorded ? "01" : "00";
        IdField!.SetValue(activity, $"00-{activity.TraceId.ToHexString()}-{spanId.ToHexString()}-{flags}");
        SpanIdField!.SetValue(activity, spanId.ToHexString());
    }

    /// <summary>
    /// Makes an activity started under <see cref="Root"/> the root itself: its own span id becomes the root span id,
    /// and it has no parent (it was started under that context only to carry the trace id).
    /// </summary>
    public static void MakeRoot(Activity activity, ActivitySpanId rootSpanId)
    {
        if (!CanFixSpanIds || activity.IdFormat != ActivityIdFormat.W3C) return;
        FixSpanId(activity, rootSpanId);
        ParentSpanIdField!.SetValue(activity, null);
        ParentIdField!.SetValue(activity, null);
    }

    private static FieldInfo? Field(string name) =>
        typeof(Activity).GetField(name, BindingFlags.Instance | BindingFlags.NonPublic) is { } field && field.FieldType == typeof(string) ? field : null;

    private static byte[] Hash(string kind, string instanceId, string executionId, int? taskId)
    {
        var text = taskId is { } id ? $"{kind}\n{instanceId}\n{executionId}\n{id}" : $"{kind}\n{instanceId}\n{executionId}";
        return SHA256.HashData(Encoding.UTF8.GetBytes(text));
    }
}
