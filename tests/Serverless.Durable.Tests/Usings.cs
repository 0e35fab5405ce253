global using Microsoft.DurableTask;
global using Microsoft.DurableTask.Client;
global using Serverless.Durable;
global using Xunit;
