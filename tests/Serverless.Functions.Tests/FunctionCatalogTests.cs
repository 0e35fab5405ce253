using System.Text.RegularExpressions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Runtime;

namespace Serverless.Functions.Tests;

/// <summary>
/// The shell exposes every orchestrator and activity of WorkflowCatalog as a Durable function under the name
/// the workflows call, with the same input and output types, and nothing else. A workflow step added to the
/// catalog without its function in the shell fails here, by name.
/// </summary>
public sealed partial class FunctionCatalogTests : IClassFixture<ShellServices>
{
    private readonly WorkflowRunner _runner;
    private readonly IServiceProvider _services;

    public FunctionCatalogTests(ShellServices shell)
    {
        _services = shell.Provider;
        _runner = shell.Provider.GetRequiredService<WorkflowRunner>();
    }

    [Fact]
    public void Every_registered_orchestrator_is_an_orchestrator_function_of_the_same_name()
    {
        var exposed = ShellCatalog.WithTrigger<OrchestrationTriggerAttribute>().Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var missing = _runner.OrchestratorNames.Where(n => !exposed.Contains(n)).Order().ToList();
        Assert.True(missing.Count == 0, $"Orchestrators registered in WorkflowCatalog without an [OrchestrationTrigger] function: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_registered_activity_is_an_activity_function_of_the_same_name()
    {
        var exposed = ShellCatalog.WithTrigger<ActivityTriggerAttribute>().Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var missing = _runner.ActivityNames.Where(n => !exposed.Contains(n)).Order().ToList();
        Assert.True(missing.Count == 0, $"Activities registered in WorkflowCatalog without an [ActivityTrigger] function: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_durable_function_of_the_shell_is_a_registered_workflow_step()
    {
        var orchestrators = _runner.OrchestratorNames.ToHashSet(StringComparer.Ordinal);
        var activities = _runner.ActivityNames.ToHashSet(StringComparer.Ordinal);
        var stale = ShellCatalog.WithTrigger<OrchestrationTriggerAttribute>().Where(f => !orchestrators.Contains(f.Name))
            .Concat(ShellCatalog.WithTrigger<ActivityTriggerAttribute>().Where(f => !activities.Contains(f.Name)))
            .Select(f => f.ToString())
            .ToList();
        Assert.True(stale.Count == 0, $"Durable functions whose name WorkflowCatalog does not register: {string.Join(", ", stale)}");
    }

    [Fact]
    public void Orchestrator_functions_take_the_durable_context_and_return_the_orchestrators_output_type()
    {
        foreach (var function in ShellCatalog.WithTrigger<OrchestrationTriggerAttribute>())
        {
            var orchestrator = _runner.CreateOrchestrator(function.Name, _services);
            Assert.Equal(typeof(TaskOrchestrationContext), function.TriggerParameter<OrchestrationTriggerAttribute>()!.ParameterType);
            Assert.True(function.ResultType == orchestrator.OutputType, $"{function} returns {function.Method.ReturnType}, the orchestrator's output is {orchestrator.OutputType}.");
        }
    }

    [Fact]
    public void Activity_functions_take_the_activitys_input_type_and_return_its_output_type()
    {
        foreach (var function in ShellCatalog.WithTrigger<ActivityTriggerAttribute>())
        {
            var activity = _runner.CreateActivity(function.Name, _services);
            var parameter = function.TriggerParameter<ActivityTriggerAttribute>()!;
            Assert.True(parameter.ParameterType == activity.InputType, $"{function} takes {parameter.ParameterType}, the activity's input is {activity.InputType}.");
            Assert.True(function.ResultType == activity.OutputType, $"{function} returns {function.Method.ReturnType}, the activity's output is {activity.OutputType}.");
        }
    }

    [Fact]
    public void Function_names_are_unique_and_valid_for_the_functions_host()
    {
        var duplicates = ShellCatalog.Functions.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, $"Function names used twice: {string.Join(", ", duplicates)}");
        var invalid = ShellCatalog.Functions.Select(f => f.Name)
            .Concat(_runner.OrchestratorNames).Concat(_runner.ActivityNames)
            .Where(n => !ValidFunctionName().IsMatch(n)).Distinct().ToList();
        Assert.True(invalid.Count == 0,
            $"Names the Functions host refuses (a letter, then up to 127 letters, digits, '_' or '-'): {string.Join(", ", invalid)}");
    }

    [Fact]
    public void Every_function_has_exactly_one_trigger()
    {
        foreach (var function in ShellCatalog.Functions)
        {
            var triggers = new[]
            {
                function.Trigger<OrchestrationTriggerAttribute>() is not null,
                function.Trigger<ActivityTriggerAttribute>() is not null,
                function.Trigger<HttpTriggerAttribute>() is not null,
                function.Trigger<TimerTriggerAttribute>() is not null,
            }.Count(t => t);
            Assert.True(triggers == 1, $"{function} has {triggers} triggers.");
        }
    }

    [Fact]
    public void The_catalog_is_not_empty_so_the_checks_above_check_something()
    {
        Assert.Contains(Serverless.Workflows.Demo.DemoApprovalOrchestrator.Name, _runner.OrchestratorNames);
        Assert.NotEmpty(ShellCatalog.WithTrigger<ActivityTriggerAttribute>());
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,127}$")]
    private static partial Regex ValidFunctionName();
}
