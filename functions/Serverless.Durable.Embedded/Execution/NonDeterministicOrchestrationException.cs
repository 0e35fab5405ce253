namespace Serverless.Durable.Embedded;

/// <summary>
/// Replay took a different path than the history: the orchestrator's code changed while an instance
/// was in flight, or it is not deterministic. The message names the step.
/// </summary>
public sealed class NonDeterministicOrchestrationException(string message) : InvalidOperationException(message);
