namespace Serverless.Durable;

/// <summary>
/// What is known about a failure after it crossed a serialization boundary: the exception's type
/// name, message and stack trace, and the failure that caused it.
/// </summary>
public sealed record TaskFailureDetails(
    string ErrorType,
    string ErrorMessage,
    string? StackTrace = null,
    TaskFailureDetails? InnerFailure = null)
{
    /// <summary>Builds failure details from an exception, including its inner exceptions.</summary>
    public static TaskFailureDetails FromException(Exception exception)
    {
        if (exception is TaskFailedException failed)
        {
            return new TaskFailureDetails(
                failed.GetType().FullName!, failed.Message, failed.StackTrace, failed.FailureDetails);
        }

        var inner = exception.InnerException is null ? null : FromException(exception.InnerException);
        return new TaskFailureDetails(exception.GetType().FullName!, exception.Message, exception.StackTrace, inner);
    }

    /// <summary>True when this failure, or one it wraps, was caused by an exception of type <typeparamref name="T"/>.</summary>
    public bool IsCausedBy<T>() where T : Exception
    {
        for (var current = this; current is not null; current = current.InnerFailure)
        {
            var type = Type.GetType(current.ErrorType, throwOnError: false);
            if (type is not null && typeof(T).IsAssignableFrom(type)) return true;
            if (current.ErrorType == typeof(T).FullName) return true;
        }
        return false;
    }

    /// <summary>The innermost failure's message, which is usually what a person wants to read.</summary>
    public string RootMessage
    {
        get
        {
            var current = this;
            while (current.InnerFailure is not null) current = current.InnerFailure;
            return current.ErrorMessage;
        }
    }

    public override string ToString() =>
        InnerFailure is null ? $"{ErrorType}: {ErrorMessage}" : $"{ErrorType}: {ErrorMessage} ---> {InnerFailure}";
}
