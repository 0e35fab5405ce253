namespace Serverless.Cli.Tests;

public sealed class WorkflowCommandTests : IDisposable
{
    private readonly CliProcess _cli = new();

    [Fact]
    public async Task Start_follows_to_the_approval_then_raise_completes_and_status_list_and_history_show_it()
    {
        var start = await _cli.RunAsync("workflows", "start", "DemoApproval", "--input", """{"items":4,"timerSeconds":1}""", "--id", "demo-1");
        Assert.Equal(0, start.ExitCode);
        Assert.Contains("started demo-1", start.Output);
        Assert.Contains("waiting for Approval", start.Output);

        var raise = await _cli.RunAsync("workflows", "raise", "demo-1", "Approval", "--data", """{"approved":true,"by":"ops"}""");
        Assert.Equal(0, raise.ExitCode);
        Assert.Contains("Completed", raise.Output);

        var status = await _cli.RunAsync("workflows", "status", "demo-1");
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("Completed", status.Output);
        Assert.Contains("approved", status.Output); // 1 + 4 + 9 + 16 = 30 and the decision are in the output
        Assert.Contains("30", status.Output);

        var list = await _cli.RunAsync("workflows", "list", "--status", "Completed");
        Assert.Contains("demo-1", list.Output);
        var running = await _cli.RunAsync("workflows", "list", "--status", "Running");
        Assert.DoesNotContain("demo-1", running.Output);

        var history = await _cli.RunAsync("workflows", "history", "demo-1");
        Assert.Equal(0, history.ExitCode);
        Assert.Contains("DemoSquare", history.Output);
        Assert.Contains("TimerFired", history.Output);
        Assert.Contains("Approval", history.Output);

        var purge = await _cli.RunAsync("workflows", "purge", "demo-1");
        Assert.Equal(0, purge.ExitCode);
        var gone = await _cli.RunAsync("workflows", "status", "demo-1");
        Assert.Equal(1, gone.ExitCode);
    }

    [Fact]
    public async Task Terminate_stops_a_waiting_instance()
    {
        await _cli.RunAsync("workflows", "start", "DemoApproval", "--input", """{"items":1,"timerSeconds":0}""", "--id", "demo-2");
        var terminate = await _cli.RunAsync("workflows", "terminate", "demo-2");
        Assert.Equal(0, terminate.ExitCode);
        var status = await _cli.RunAsync("workflows", "status", "demo-2");
        Assert.Contains("Terminated", status.Output);
    }

    [Theory]
    [InlineData(new[] { "workflows", "start", "NoSuchWorkflow" }, "NoSuchWorkflow")]
    [InlineData(new[] { "workflows", "start", "DemoApproval", "--input", "{not json" }, "--input")]
    [InlineData(new[] { "workflows", "status", "missing-id" }, "missing-id")]
    [InlineData(new[] { "workflows", "raise", "missing-id", "Approval", "--data", "{}" }, "missing-id")]
    public async Task Errors_are_one_clear_line_and_a_non_zero_exit_code(string[] args, string named)
    {
        var result = await _cli.RunAsync(args);
        Assert.NotEqual(0, result.ExitCode);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(named, lines[0]);
    }

    [Fact]
    public async Task Starting_an_id_that_exists_is_refused()
    {
        await _cli.RunAsync("workflows", "start", "DemoApproval", "--input", """{"items":1,"timerSeconds":0}""", "--id", "demo-3", "--no-wait");
        var again = await _cli.RunAsync("workflows", "start", "DemoApproval", "--id", "demo-3", "--no-wait");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("demo-3", again.Error);
    }

    [Fact]
    public async Task A_sub_orchestration_cannot_be_started_from_the_command_line()
    {
        var result = await _cli.RunAsync("workflows", "start", "TrainingJob", "--no-wait",
            "--input", """{"spec":{"name":"x","command":"sh","arguments":["-c","id > ran.txt"],"timeout":"00:01:00"}}""");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: 'TrainingJob' runs only as a step of another workflow and cannot be started on its own. Workflows that can be started: DemoApproval, WeeklyForecast, RecommendationRefresh.",
            result.Error.Trim());
        Assert.False(File.Exists(Path.Combine(_cli.WorkingDirectory, "ran.txt")));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("line\nbreak")]
    [InlineData("300")]
    public async Task An_instance_id_outside_the_rule_is_one_line_and_exit_2(string id)
    {
        if (id == "300") id = new string('x', 300);

        var result = await _cli.RunAsync("workflows", "start", "DemoApproval", "--no-wait", "--id", id);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: --id '", result.Error);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task No_input_starts_the_workflow_with_its_defaults_and_private_state()
    {
        var result = await _cli.RunAsync("workflows", "start", "DemoApproval", "--id", "no-input");

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Contains("waiting for Approval", result.Output);
        if (!OperatingSystem.IsWindows())
        {
            var data = Path.Combine(_cli.WorkingDirectory, ".data");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "engine.db")));
        }
    }

    public void Dispose() => _cli.Dispose();
}
