namespace Serverless.Durable.Embedded.Persistence;

/// <summary>The engine's database could not be used: locked by another process, corrupt, or unreadable.</summary>
public sealed class EngineStorageException(string message, Exception? inner = null) : IOException(message, inner);
