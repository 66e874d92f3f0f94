using System.CommandLine;
using System.Globalization;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.Hosting;
using Analytics.Storage.Postgres;

namespace Analytics.Cli.Commands;

/// <summary>The <c>analytics</c> command: <c>serve</c> (the default) and the admin commands, each with --help.</summary>
internal static class AnalyticsCommandLine
{
    public static readonly Option<string?> Data = new("--data")
    {
        Description = "Data directory (default: /var/lib/analytics as root, else ~/.local/share/analytics; env ANALYTICS_DATA).",
        Recursive = true,
    };

    public static readonly Option<string?> Config = new("--config")
    {
        Description = "A JSON config file (env ANALYTICS_CONFIG; default: analytics.json in the data directory).",
        Recursive = true,
    };

    /// <param name="tools">Commands added by a tool that runs this command line with more (analytics-bench).</param>
    public static async Task<int> RunAsync(string[] args, params Command[] tools)
    {
        var serve = ServeCommand.Create();
        var root = new RootCommand("Self-hosted, cookieless web analytics on ClickHouse. Without a command, runs 'serve'.")
        {
            serve,
            MigrateCommand.Create(),
            PropertiesCommand.Create(),
            KeysCommand.Create(),
            GoalsCommand.Create(),
            FunnelsCommand.Create(),
            NotificationsCommands.Reports(),
            NotificationsCommands.Alerts(),
            TransferCommands.Imports(),
            GenerateCommand.Create(),
            UsersCommand.Create(),
            TransferCommands.Export(),
            TransferCommands.Import(),
            LookupCommand.Create(),
            SqlCommand.Create(),
        };
        foreach (var tool in tools)
        {
            root.Subcommands.Add(tool);
        }

        root.Options.Add(Data);
        root.Options.Add(Config);
        foreach (var option in serve.Options)
        {
            root.Options.Add(option);
        }

        root.Action = serve.Action;
        return await root.Parse(args).InvokeAsync();
    }

    /// <summary>Runs a command body, turning the failures a user can fix into one clear line and a non-zero exit.</summary>
    public static async Task<int> Guard(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (FieldValidationException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Field}: {e.Message}");
            return 2;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync($"error: {string.Join(" ", e.Failures)}");
            return 1;
        }
        catch (Exception e) when (e is OptionsException or PostgresStartupException or ClickHouseException or NpmFetchException or Ingest.Enrichment.EnrichmentDataException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
    }

    public static void Progress(string line) => Console.Error.WriteLine(line);

    private static DateTime s_lastBarLine;

    /// <summary>
    /// A progress bar on standard error: redrawn in place on a terminal; where the output is a file or a pipe, a
    /// plain line every 5 seconds. <paramref name="final"/> ends it with a newline.
    /// </summary>
    public static void Bar(double fraction, string detail, bool final = false)
    {
        const int Width = 30;
        var filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * Width);
        var line = $"[{new string('#', filled)}{new string('.', Width - filled)}] {fraction,4:P0}  {detail}";
        if (!Console.IsErrorRedirected)
        {
            Console.Error.Write($"\r{line}\u001b[K{(final ? "\n" : string.Empty)}");
        }
        else if (final || DateTime.UtcNow - s_lastBarLine > TimeSpan.FromSeconds(5))
        {
            s_lastBarLine = DateTime.UtcNow;
            Console.Error.WriteLine(line);
        }
    }

    /// <summary>A load's progress as a bar: events written and the rate reached.</summary>
    public static void Bar(Analytics.Ingest.Demo.LoadProgress progress, bool final = false)
        => Bar(progress.Fraction, string.Create(CultureInfo.InvariantCulture, $"{progress.Events:N0} events  {progress.EventsPerSecond:N0} rows/s  {progress.Elapsed:hh\\:mm\\:ss}"), final);

    /// <summary>The settings a command runs with: its --config and --data over the file and the environment.</summary>
    public static Microsoft.Extensions.Configuration.IConfigurationRoot Configuration(ParseResult parse)
        => Cli.Configuration.AnalyticsConfiguration.Build(parse.GetValue(Config), parse.GetValue(Data));
}
