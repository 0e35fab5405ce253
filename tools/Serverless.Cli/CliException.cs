namespace Serverless.Cli;

/// <summary>A problem with what the user typed; printed as one line with exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
