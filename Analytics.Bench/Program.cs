using Analytics.Bench;
using Analytics.Cli.Commands;

// The analytics command with the bench and chaos tools added, so a tool can start this same binary as its server.
return await AnalyticsCommandLine.RunAsync(args, BenchCommand.Create(), ChaosCommand.Create());
