using Microsoft.DurableTask;

namespace Serverless.Durable;

public static class FailureDetailsExtensions
{
    /// <summary>
    /// True when this failure or any failure it wraps was caused by <typeparamref name="T"/>. Durable Task's
    /// <see cref="TaskFailureDetails.IsCausedBy{T}"/> looks at the outermost type only, but a runtime may wrap
    /// the real cause (Durable Functions can report an <see cref="AggregateException"/> around it), so retry
    /// filters ask the whole chain.
    /// </summary>
    public static bool IsCausedByAny<T>(this TaskFailureDetails? failure) where T : Exception
    {
        for (var current = failure; current is not null; current = current.InnerFailure)
        {
            if (current.ErrorType == typeof(T).FullName || current.IsCausedBy<T>()) return true;
        }
        return false;
    }

    /// <summary>The innermost failure's message: usually the sentence a person wants to read.</summary>
    public static string RootMessage(this TaskFailureDetails failure)
    {
        var current = failure;
        while (current.InnerFailure is not null) current = current.InnerFailure;
        return current.ErrorMessage;
    }

    /// <summary>The whole chain on one line: type and message of each failure, outermost first.</summary>
    public static string Describe(this TaskFailureDetails failure) =>
        failure.InnerFailure is null
            ? $"{failure.ErrorType}: {failure.ErrorMessage}"
            : $"{failure.ErrorType}: {failure.ErrorMessage} ---> {failure.InnerFailure.Describe()}";
}
