using System.CommandLine;
using System.Reflection;
using Serverless.Bench.Harness;

// The benchmark harness: `dotnet run -c Release --project tools/Serverless.Bench -- run NAME [--set key=value]`.
var benchmarks = typeof(IBenchmark).Assembly.GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name, StringComparer.Ordinal)
    .ToList();

var root = new RootCommand("Serverless benchmark harness: each scenario reports its figures beside a same-run comparison.");

var list = new Command("list", "List the scenarios.");
list.SetAction(_ =>
{
    foreach (var b in benchmarks) Console.WriteLine($"{b.Name,-28} {b.Description}");
    return 0;
});
root.Subcommands.Add(list);

var nameArgument = new Argument<string>("name") { Description = "Scenario name (see `list`)." };
var setOption = new Option<string[]>("--set") { Description = "Scenario option as key=value; repeatable.", AllowMultipleArgumentsPerToken = true };
var outOption = new Option<string>("--out") { Description = "Folder for the JSON result.", DefaultValueFactory = _ => "artifacts/bench" };
var keepOption = new Option<bool>("--keep") { Description = "Keep the scenario's scratch folder." };
var run = new Command("run", "Run one scenario and print its Markdown block.") { nameArgument, setOption, outOption, keepOption };
run.SetAction(async (parse, cancellationToken) =>
{
    var name = parse.GetValue(nameArgument)!;
    var benchmark = benchmarks.FirstOrDefault(b => b.Name == name);
    if (benchmark is null)
    {
        Console.Error.WriteLine($"error: no benchmark named '{name}'; known: {string.Join(", ", benchmarks.Select(b => b.Name))}");
        return 2;
    }

    var options = new Dictionary<string, string>(StringComparer.Ordinal);
    foreach (var pair in parse.GetValue(setOption) ?? [])
    {
        var eq = pair.IndexOf('=');
        if (eq <= 0)
        {
            Console.Error.WriteLine($"error: --set expects key=value, got '{pair}'");
            return 2;
        }
        options[pair[..eq]] = pair[(eq + 1)..];
    }

    var work = Path.Combine(Path.GetTempPath(), "serverless-bench", $"{name}-{Guid.NewGuid():N}");
    Directory.CreateDirectory(work);
    try
    {
        var context = new BenchmarkContext(options, work, line => Console.Error.WriteLine($"  {line}"));
        var report = await benchmark.RunAsync(context, cancellationToken);
        var machine = MachineInfo.Current();
        var command = "dotnet run -c Release --project tools/Serverless.Bench -- run " + name
            + string.Concat(options.Select(o => $" --set {o.Key}={o.Value}"));
        Console.WriteLine(ReportWriter.ToMarkdown(report, machine, command));
        await ReportWriter.WriteJsonAsync(report, machine, command, Path.Combine(parse.GetValue(outOption)!, name + ".json"));
        return report.GoalMet == false ? 1 : 0;
    }
    finally
    {
        if (!parse.GetValue(keepOption)) Directory.Delete(work, recursive: true);
    }
});
root.Subcommands.Add(run);

return await root.Parse(args).InvokeAsync();
