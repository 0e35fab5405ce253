using System.CommandLine;
using Serverless.Cli;
using Serverless.Cli.Commands;

// Tables wider than 80 columns when the output goes to a file or a pipe.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 160;

var root = new RootCommand("serverless: recurring machine-learning work as durable orchestrations, on this machine or on Azure Functions.");
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(DataCommands.Create());
root.Subcommands.Add(WorkflowCommands.Create());
root.Subcommands.Add(HostCommand.Create());
root.Subcommands.Add(EventCommands.Create());
return await CommandRunner.InvokeAsync(root, args);
