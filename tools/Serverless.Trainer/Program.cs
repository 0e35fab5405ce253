using System.CommandLine;
using Serverless.Trainer;

return await TrainerCommandLine.RunAsync(args, Console.Out, Console.Error);
