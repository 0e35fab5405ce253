namespace Serverless.Training.Contract;

/// <summary>Base of the errors a training job service raises about one job.</summary>
public abstract class TrainingJobException : Exception
{
    protected TrainingJobException(string jobName, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        JobName = jobName;
    }

    public string JobName { get; }
}

/// <summary>The spec was refused before anything was submitted; every problem is listed.</summary>
public sealed class TrainingJobValidationException : TrainingJobException
{
    public TrainingJobValidationException(string jobName, IReadOnlyList<TrainingJobProblem> problems)
        : base(jobName, Describe(jobName, problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<TrainingJobProblem> Problems { get; }

    private static string Describe(string jobName, IReadOnlyList<TrainingJobProblem> problems) =>
        $"Training job '{jobName}' is invalid ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):"
        + string.Concat(problems.Select(p => $"{System.Environment.NewLine} - {p}"));
}

/// <summary>
/// The service refused the job on submission (for example Azure ML answering 400 or 404 for an
/// unknown compute or environment). Resubmitting the same spec will not help.
/// </summary>
public sealed class TrainingJobRejectedException : TrainingJobException
{
    public TrainingJobRejectedException(string jobName, int statusCode, string? errorCode, string serviceMessage)
        : base(jobName, $"The training service rejected job '{jobName}' ({statusCode}{(errorCode is null ? "" : " " + errorCode)}): {serviceMessage}")
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
        ServiceMessage = serviceMessage;
    }

    public int StatusCode { get; }

    public string? ErrorCode { get; }

    public string ServiceMessage { get; }
}

/// <summary>No job of that name exists.</summary>
public sealed class TrainingJobNotFoundException : TrainingJobException
{
    public TrainingJobNotFoundException(string jobName, string where)
        : base(jobName, $"No training job named '{jobName}' exists in {where}.")
    {
    }
}

/// <summary>
/// A call to the training service failed for a reason other than the job itself: throttling or
/// server errors that outlasted the retries. Throttling (429) carries the wait the service asked for,
/// so the caller can wait it out on a durable timer instead of failing.
/// </summary>
public sealed class TrainingServiceException : TrainingJobException
{
    public TrainingServiceException(string jobName, string operation, int statusCode, string? errorCode, string serviceMessage,
        Exception? innerException = null, TimeSpan? retryAfter = null)
        : base(jobName, $"{operation} for training job '{jobName}' failed ({(statusCode == 0 ? "no response" : statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture))}{(errorCode is null ? "" : " " + errorCode)}): {serviceMessage}", innerException)
    {
        Operation = operation;
        StatusCode = statusCode;
        ErrorCode = errorCode;
        ServiceMessage = serviceMessage;
        RetryAfter = retryAfter;
    }

    public string Operation { get; }

    /// <summary>The HTTP status, or 0 when no response arrived.</summary>
    public int StatusCode { get; }

    public string? ErrorCode { get; }

    public string ServiceMessage { get; }

    /// <summary>The wait the service asked for (<c>Retry-After</c>), when it did.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The service is throttling this caller (429): the same call succeeds later.</summary>
    public bool IsThrottled => StatusCode == 429;
}

/// <summary>
/// The service refused the caller's identity (401) or its permission (403). Retrying does not help;
/// the message names the identity and the scope it needs a role on.
/// </summary>
public sealed class TrainingAccessDeniedException : TrainingJobException
{
    public TrainingAccessDeniedException(string jobName, string operation, int statusCode, string? errorCode, string identity, string scope,
        string serviceMessage, Exception? innerException = null)
        : base(jobName, $"{operation} for training job '{jobName}' was refused ({statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)}{(errorCode is null ? "" : " " + errorCode)}): "
            + $"{identity} {(statusCode == 401 ? "could not authenticate to" : "has no role that allows this on")} {scope}. {serviceMessage}", innerException)
    {
        Operation = operation;
        StatusCode = statusCode;
        ErrorCode = errorCode;
        Identity = identity;
        Scope = scope;
        ServiceMessage = serviceMessage;
    }

    public string Operation { get; }

    /// <summary>401 (no valid token) or 403 (no role).</summary>
    public int StatusCode { get; }

    public string? ErrorCode { get; }

    /// <summary>Who called, for example <c>managed identity (client id ...)</c>.</summary>
    public string Identity { get; }

    /// <summary>What it called: the resource it needs a role on.</summary>
    public string Scope { get; }

    public string ServiceMessage { get; }
}
