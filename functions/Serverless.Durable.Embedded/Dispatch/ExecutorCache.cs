using Serverless.Durable.Embedded.Execution;

namespace Serverless.Durable.Embedded.Dispatch;

/// <summary>
/// Running orchestrations kept in memory between episodes, least recently used evicted first. An evicted
/// instance is rebuilt by replaying its history, so the cache only saves time.
/// </summary>
internal sealed class ExecutorCache(int capacity)
{
    private readonly Dictionary<string, LinkedListNode<OrchestrationExecutor>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<OrchestrationExecutor> _order = new();
    private readonly Lock _lock = new();

    public int Count
    {
        get { lock (_lock) return _entries.Count; }
    }

    public OrchestrationExecutor? Take(string instanceId)
    {
        lock (_lock)
        {
            if (!_entries.Remove(instanceId, out var node)) return null;
            _order.Remove(node);
            return node.Value;
        }
    }

    public void Put(OrchestrationExecutor executor)
    {
        lock (_lock)
        {
            if (_entries.Remove(executor.InstanceId, out var existing)) _order.Remove(existing);
            _entries[executor.InstanceId] = _order.AddFirst(executor);
            while (_entries.Count > capacity && _order.Last is { } last)
            {
                _order.RemoveLast();
                _entries.Remove(last.Value.InstanceId);
            }
        }
    }

    public void Remove(string instanceId)
    {
        lock (_lock)
        {
            if (_entries.Remove(instanceId, out var node)) _order.Remove(node);
        }
    }
}
