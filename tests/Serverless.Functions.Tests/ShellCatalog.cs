using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace Serverless.Functions.Tests;

/// <summary>The shell's functions as the Functions host indexes them: by their [Function] attribute and trigger.</summary>
internal static class ShellCatalog
{
    public static Assembly Shell => typeof(Program).Assembly;

    public static IReadOnlyList<ShellFunction> Functions { get; } = Shell.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
        .Select(m => (Method: m, Attribute: m.GetCustomAttribute<FunctionAttribute>()))
        .Where(x => x.Attribute is not null)
        .Select(x => new ShellFunction(x.Attribute!.Name, x.Method))
        .ToList();

    public static IEnumerable<ShellFunction> WithTrigger<TTrigger>() where TTrigger : Attribute =>
        Functions.Where(f => f.Trigger<TTrigger>() is not null);
}

internal sealed record ShellFunction(string Name, MethodInfo Method)
{
    public ParameterInfo? TriggerParameter<TTrigger>() where TTrigger : Attribute =>
        Method.GetParameters().FirstOrDefault(p => p.GetCustomAttribute<TTrigger>() is not null);

    public TTrigger? Trigger<TTrigger>() where TTrigger : Attribute => TriggerParameter<TTrigger>()?.GetCustomAttribute<TTrigger>();

    /// <summary>T of a Task&lt;T&gt; return type, or null.</summary>
    public Type? ResultType => Method.ReturnType.IsGenericType && Method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>)
        ? Method.ReturnType.GetGenericArguments()[0]
        : null;

    public override string ToString() => $"{Name} ({Method.DeclaringType?.Name}.{Method.Name})";
}
