using Analytics.Host.Commands;

return await AnalyticsCommandLine.RunAsync(args);
