// Compile-only declarations of the Azure Functions isolated worker types the shell uses
// (packages Microsoft.Azure.Functions.Worker, .Extensions.Http.AspNetCore, .Extensions.Timer,
// .Extensions.EventHubs, .Extensions.DurableTask). See README.md in this folder: not the real packages.
using Azure.Core.Serialization;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Azure.Functions.Worker
{
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class FunctionAttribute(string name) : Attribute
    {
        public string Name { get; } = name;
    }

    public enum AuthorizationLevel
    {
        Anonymous,
        User,
        Function,
        System,
        Admin,
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class HttpTriggerAttribute(AuthorizationLevel authLevel, params string[] methods) : Attribute
    {
        public AuthorizationLevel AuthLevel { get; } = authLevel;

        public string[]? Methods { get; } = methods;

        public string? Route { get; set; }
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class TimerTriggerAttribute(string schedule) : Attribute
    {
        public string Schedule { get; } = schedule;

        public bool RunOnStartup { get; set; }

        public bool UseMonitor { get; set; } = true;
    }

    public class TimerInfo
    {
        public ScheduleStatus? ScheduleStatus { get; set; }

        public bool IsPastDue { get; set; }
    }

    public class ScheduleStatus
    {
        public DateTime Last { get; set; }

        public DateTime Next { get; set; }

        public DateTime LastUpdated { get; set; }
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class EventHubTriggerAttribute(string eventHubName) : Attribute
    {
        public string EventHubName { get; } = eventHubName;

        public string? ConsumerGroup { get; set; }

        public string? Connection { get; set; }

        public bool IsBatched { get; set; } = true;
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class OrchestrationTriggerAttribute : Attribute
    {
        public string? Orchestration { get; set; }
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class ActivityTriggerAttribute : Attribute
    {
        public string? Activity { get; set; }
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class DurableClientAttribute : Attribute
    {
        public string? TaskHub { get; set; }

        public string? ConnectionName { get; set; }
    }

    public abstract class FunctionContext
    {
        public abstract string InvocationId { get; }

        public abstract string FunctionId { get; }

        public abstract BindingContext BindingContext { get; }

        public abstract IServiceProvider InstanceServices { get; set; }

        public abstract CancellationToken CancellationToken { get; }
    }

    public abstract class BindingContext
    {
        public abstract IReadOnlyDictionary<string, object?> BindingData { get; }
    }

    public class WorkerOptions
    {
        public ObjectSerializer? Serializer { get; set; }
    }
}

namespace Microsoft.Extensions.Hosting
{
    public static class FunctionsHostBuilderExtensions
    {
        /// <summary>Compile-only: the real method configures the worker with ASP.NET Core integration.</summary>
        public static IHostBuilder ConfigureFunctionsWebApplication(this IHostBuilder builder) =>
            throw new NotSupportedException("Compile-only declaration; the Function App is built with the real worker packages.");
    }
}
