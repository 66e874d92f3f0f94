using Analytics.Cli.Commands;

return await AnalyticsCommandLine.RunAsync(args);
