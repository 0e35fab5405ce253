using Microsoft.Extensions.DependencyInjection;
using Serverless.Storage.Blobs;
using Serverless.Storage.Configuration;

namespace Serverless.Hosting.Tests.Experiments;

/// <summary>The host's blob store, with shard state writes held at a gate until the test opens it: an apply round that cannot commit.</summary>
internal sealed class GatedBlobStore(IBlobStore inner, GatedBlobStore.Gate gate) : IBlobStore
{
    public sealed class Gate
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when a state write first waits at the gate.</summary>
        public Task Reached => _reached.Task;

        public void Open() => _open.TrySetResult();

        public Task PassAsync()
        {
            _reached.TrySetResult();
            return _open.Task;
        }
    }

    public static void Install(IServiceCollection services, Gate gate) =>
        services.AddSingleton<IBlobStore>(provider => new GatedBlobStore(provider.GetRequiredService<StorageFactory>().CreateBlobStore(), gate));

    public async Task<BlobProperties> WriteAsync(string path, Stream content, BlobWriteCondition condition, CancellationToken cancellationToken = default)
    {
        if (path.EndsWith("/state.bin", StringComparison.Ordinal)) await gate.PassAsync().WaitAsync(cancellationToken);
        return await inner.WriteAsync(path, content, condition, cancellationToken);
    }

    public Task<BlobContent> ReadAsync(string path, CancellationToken cancellationToken = default) => inner.ReadAsync(path, cancellationToken);

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default) => inner.OpenReadAsync(path, cancellationToken);

    public Task<bool> ExistsAsync(string path, CancellationToken cancellationToken = default) => inner.ExistsAsync(path, cancellationToken);

    public Task<BlobProperties?> GetPropertiesAsync(string path, CancellationToken cancellationToken = default) => inner.GetPropertiesAsync(path, cancellationToken);

    public IAsyncEnumerable<BlobItem> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, cancellationToken);
}
