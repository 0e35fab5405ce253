using System.CommandLine;
using System.Text.Json;
using Serverless.Cli.Rendering;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Durable.Embedded;
using Serverless.Workflows;

namespace Serverless.Cli.Commands;

/// <summary>
/// <c>serverless workflows ...</c>: start, inspect and steer orchestration instances in the engine's
/// database. <c>start</c> and <c>raise</c> also run the engine here and follow the instance until it
/// finishes or waits for a person, so no host needs to be running.
/// </summary>
internal static class WorkflowCommands
{
    private static readonly Option<string?> Database = new("--db")
    {
        Description = "The engine database (default: Serverless:Engine:DatabasePath, else .data/engine.db).",
        Recursive = true,
    };

    public static Command Create()
    {
        var workflows = new Command("workflows", "Start, inspect and steer workflow instances.");
        workflows.Options.Add(Database);
        workflows.Subcommands.Add(Start());
        workflows.Subcommands.Add(Status());
        workflows.Subcommands.Add(List());
        workflows.Subcommands.Add(History());
        workflows.Subcommands.Add(Raise());
        workflows.Subcommands.Add(Simple("terminate", "Terminate a running instance.", (c, id) => c.TerminateInstanceAsync(id, "terminated from the command line"), "terminated", follow: true));
        workflows.Subcommands.Add(Simple("suspend", "Suspend a running instance; its events wait until it is resumed.", (c, id) => c.SuspendInstanceAsync(id), "suspended"));
        workflows.Subcommands.Add(Simple("resume", "Resume a suspended instance.", (c, id) => c.ResumeInstanceAsync(id), "resumed", follow: true));
        workflows.Subcommands.Add(Purge());
        return workflows;
    }

    private static Command Start()
    {
        var name = new Argument<string>("name") { Description = $"The workflow: one of {WorkflowEntryPoints.Names}." };
        var input = new Option<string?>("--input") { Description = "The input as JSON (default: the workflow's defaults)." };
        var id = new Option<string?>("--id") { Description = $"The instance id (default: a new GUID): letters, digits and - _ . : @, at most {WorkflowInstanceIds.MaxNewLength} characters." };
        var noWait = new Option<bool>("--no-wait") { Description = "Only schedule; do not run the engine here." };
        var command = new Command("start", "Start a workflow instance and follow it.") { name, input, id, noWait };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // The same door as POST /api/workflows/{name}: public workflows only, each with the input it declares.
            var entry = WorkflowEntryPoints.Require(parse.GetValue(name));
            var chosenId = parse.GetValue(id);
            if (chosenId is not null) ValidateId(chosenId, "--id", forNewInstance: true);
            var workflowInput = entry.ReadInput(ParseJson(parse.GetValue(input), "--input"));
            await using var runtime = CreateRuntime(parse);
            var engine = runtime.Engine;
            var instanceId = await engine.Client.ScheduleNewOrchestrationInstanceAsync(entry.Name, workflowInput,
                new StartOrchestrationOptions(chosenId), cancellationToken);
            Console.WriteLine($"started {instanceId}");
            if (!parse.GetValue(noWait)) await FollowAsync(engine, instanceId, cancellationToken);
            return 0;
        });
        return command;
    }

    private static Command Status()
    {
        var id = new Argument<string>("id") { Description = "The instance id." };
        var command = new Command("status", "Show an instance's status, custom status, output and failure.") { id };
        command.SetAction(async (parse, cancellationToken) =>
        {
            ValidateId(parse.GetValue(id)!, "id");
            await using var runtime = CreateRuntime(parse);
            var engine = runtime.Engine;
            var metadata = await engine.Client.GetInstanceAsync(parse.GetValue(id)!, true, cancellationToken)
                ?? throw new InstanceNotFoundException(parse.GetValue(id)!);
            InstanceRenderer.WriteStatus(metadata);
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var status = new Option<OrchestrationRuntimeStatus[]>("--status") { Description = "Only instances with these statuses.", AllowMultipleArgumentsPerToken = true };
        var name = new Option<string?>("--name") { Description = "Only instances of this workflow." };
        var top = new Option<int>("--top") { Description = "How many to show (newest first).", DefaultValueFactory = _ => 50 };
        var command = new Command("list", "List instances, newest first.") { status, name, top };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var runtime = CreateRuntime(parse);
            var engine = runtime.Engine;
            var statuses = parse.GetValue(status);
            var result = await engine.Client.QueryInstancesAsync(new OrchestrationQuery(
                Statuses: statuses is { Length: > 0 } ? statuses : null,
                PageSize: parse.GetValue(top)), cancellationToken);
            var workflow = parse.GetValue(name);
            InstanceRenderer.WriteList(workflow is null
                ? result.Instances
                : result.Instances.Where(m => string.Equals(m.Name, workflow, StringComparison.OrdinalIgnoreCase)).ToList());
            return 0;
        });
        return command;
    }

    private static Command History()
    {
        var id = new Argument<string>("id") { Description = "The instance id." };
        var command = new Command("history", "Show an instance's history: time, event, name and duration of each step.") { id };
        command.SetAction(async (parse, cancellationToken) =>
        {
            ValidateId(parse.GetValue(id)!, "id");
            await using var runtime = CreateRuntime(parse);
            var engine = runtime.Engine;
            var history = await engine.Client.GetHistoryAsync(parse.GetValue(id)!, cancellationToken);
            InstanceRenderer.WriteHistory(history);
            return 0;
        });
        return command;
    }

    private static Command Raise()
    {
        var id = new Argument<string>("id") { Description = "The instance id." };
        var eventName = new Argument<string>("event") { Description = "The event name, for example Approval." };
        var data = new Option<string?>("--data") { Description = "The event payload as JSON." };
        var noWait = new Option<bool>("--no-wait") { Description = "Only deliver the event; do not run the engine here." };
        var command = new Command("raise", "Raise an event on an instance and follow it.") { id, eventName, data, noWait };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var payload = ParseJson(parse.GetValue(data), "--data");
            ValidateId(parse.GetValue(id)!, "id");
            await using var runtime = CreateRuntime(parse);
            var engine = runtime.Engine;
            var instanceId = parse.GetValue(id)!;
            await engine.Client.RaiseEventAsync(instanceId, parse.GetValue(eventName)!, payload, cancellationToken);
            Console.WriteLine($"raised {parse.GetValue(eventName)} on {instanceId}");
            if (!parse.GetValue(noWait)) await FollowAsync(engine, instanceId, cancellationToken);
            return 0;
        });
        return command;
    }

    private static Command Purge()
    {
        var id = new Argument<string>("id") { Description = "The instance id." };
        var command = new Command("purge", "Delete a finished instance and its history.") { id };
        command.SetAction(async (parse, cancellationToken) =>
        {
            ValidateId(parse.GetValue(id)!, "id");
            await using var runtime = CreateRuntime(parse);
            var engine = runtime.Engine;
            var result = await engine.Client.PurgeInstanceAsync(parse.GetValue(id)!, cancellationToken);
            if (result.PurgedInstanceCount == 0) throw new InstanceNotFoundException(parse.GetValue(id)!);
            Console.WriteLine($"purged {parse.GetValue(id)}");
            return 0;
        });
        return command;
    }

    /// <param name="follow">Run the engine here afterwards, so the change takes effect without a host (terminate, resume).</param>
    private static Command Simple(string verb, string description, Func<DurableTaskClient, string, Task> act, string done, bool follow = false)
    {
        var id = new Argument<string>("id") { Description = "The instance id." };
        var command = new Command(verb, description) { id };
        command.SetAction(async (parse, cancellationToken) =>
        {
            ValidateId(parse.GetValue(id)!, "id");
            await using var runtime = CreateRuntime(parse);
            var engine = runtime.Engine;
            await act(engine.Client, parse.GetValue(id)!);
            Console.WriteLine($"{done} {parse.GetValue(id)}");
            if (follow) await FollowAsync(engine, parse.GetValue(id)!, cancellationToken);
            return 0;
        });
        return command;
    }

    /// <summary>The CLI's services; disposing them stops and disposes the engine they created.</summary>
    private static CliRuntime CreateRuntime(ParseResult parse) => CliRuntime.Create(parse.GetValue(Database));

    /// <summary>Runs the engine here until the instance finishes, or until it can only wait for an event or a distant timer.</summary>
    private static async Task FollowAsync(EmbeddedEngine engine, string instanceId, CancellationToken cancellationToken)
    {
        await engine.StartAsync(cancellationToken);
        var follower = new InstanceFollower(engine, instanceId, maxTimerWait: TimeSpan.FromMinutes(2));
        var final = await follower.RunAsync(cancellationToken);
        InstanceRenderer.WriteOutcome(final, follower.WaitingFor);
    }

    /// <summary>The one instance id rule of the HTTP API too, as one line.</summary>
    private static void ValidateId(string id, string what, bool forNewInstance = false)
    {
        if (WorkflowInstanceIds.Explain(id, forNewInstance) is { } problem)
            throw new CliUsageException($"{what} '{WorkflowInstanceIds.Shown(id)}' is not a valid instance id: {problem}.");
    }

    private static JsonElement? ParseJson(string? text, string option)
    {
        if (text is null) return null;
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new CliUsageException($"{option} is not valid JSON: {ex.Message}");
        }
    }
}
