using System.CommandLine;
using System.Globalization;
using Analytics.Storage.ClickHouse;
using Analytics.Ingest.Demo;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;
using NodaTime;
using NodaTime.Text;

namespace Analytics.Cli.Commands;

/// <summary><c>analytics generate</c>: realistic traffic at scale, written straight into ClickHouse (through the views).</summary>
internal static class GenerateCommand
{
    /// <summary>What to generate. The same values give the same events.</summary>
    public sealed record Spec(long Events, int Days, LocalDate End, int Seed)
    {
        public Instant To => End.PlusDays(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();

        public Instant From => To - Duration.FromDays(Days);

        /// <summary>
        /// Distinct people to draw sessions from: about one per 50 events, so some come back. As under collect's daily
        /// salt, one who comes back on another day is another visitor id.
        /// </summary>
        public int VisitorPool => (int)Math.Clamp(Events / 50, 20_000, int.MaxValue);

        public DemoTraffic Traffic(ulong propertyId, string domain, string timezone, DateTimeZone dayZone) => new(propertyId, domain, timezone, Seed)
        {
            DayZone = dayZone,
            SessionsPerDay = DemoTraffic.SessionsPerDayFor(Events, Days),
            VisitorPool = VisitorPool,
        };

        /// <summary>The deduplication prefix: a re-run of the same spec writes nothing twice.</summary>
        public string BatchPrefix(string domain) => string.Create(CultureInfo.InvariantCulture, $"generate-{domain}-{Seed}-{Events}-{Days}-{End:yyyyMMdd}");
    }

    public static Command Create()
    {
        var events = new Option<long>("--events") { Description = "About how many events to generate.", DefaultValueFactory = _ => 10_000_000 };
        var days = new Option<int>("--days") { Description = "Days of history, ending with --end.", DefaultValueFactory = _ => 365 };
        var end = new Option<string?>("--end") { Description = "The last day (UTC, yyyy-MM-dd) of the history (default: yesterday)." };
        var domain = new Option<string>("--domain") { Description = "The property to write to; added if missing.", DefaultValueFactory = _ => "generated.example" };
        var timezone = new Option<string>("--timezone") { Description = "The time zone of a property that is added (IANA).", DefaultValueFactory = _ => "America/New_York" };
        var seed = new Option<int>("--seed") { Description = "The random seed: the same seed and options give the same events.", DefaultValueFactory = _ => 1 };
        var command = new Command(
            "generate",
            "Generates realistic traffic (power-law pages with a long tail, visitor ids that change daily as collect's do, sources with UTM tags, countries, devices, daily and weekly seasonality, multi-page sessions with engagement, custom events) straight into ClickHouse, with a progress bar. Stop the server first: the embedded engine is held by one process.")
        {
            events, days, end, domain, timezone, seed,
        };
        command.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            var spec = new Spec(
                parse.GetValue(events) is var n and >= 1_000 and <= 10_000_000_000 ? n : throw new FieldValidationException("--events", "must be between 1000 and 10000000000."),
                parse.GetValue(days) is var d and >= 1 and <= 3_660 ? d : throw new FieldValidationException("--days", "must be between 1 and 3660."),
                ParseEnd(parse.GetValue(end)),
                parse.GetValue(seed));
            await using var context = await AdminContext.OpenAsync(parse, Stores.Both, cancellationToken);
            var properties = context.Get<PropertyStore>();
            var property = await properties.FindByDomainAsync(parse.GetValue(domain)!, cancellationToken)
                ?? await properties.AddAsync(parse.GetValue(domain)!, null, parse.GetValue(timezone)!, null, cancellationToken);
            AnalyticsCommandLine.Progress($"Generating about {spec.Events:N0} events for {property.Domain} (property {property.Id}, {property.Timezone}), {spec.From:yyyy-MM-dd} to {spec.End:yyyy-MM-dd}, seed {spec.Seed}.");
            var result = await RunAsync(context.Get<IClickHouse>(), spec, property, cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Generated {result.Events:N0} events in {result.Elapsed.TotalSeconds:F1} s: {result.EventsPerSecond:N0} rows/s."));
            return 0;
        }));
        return command;
    }

    /// <summary>Writes the spec's events for a property, drawing a progress bar.</summary>
    public static async Task<LoadProgress> RunAsync(IClickHouse clickHouse, Spec spec, Property property, CancellationToken cancellationToken)
    {
        var traffic = spec.Traffic((ulong)property.Id, property.Domain, property.Timezone, property.Days);
        var result = await DemoLoader.LoadAsync(clickHouse, traffic, spec.From, spec.To, spec.BatchPrefix(property.Domain), p => AnalyticsCommandLine.Bar(p), cancellationToken);
        AnalyticsCommandLine.Bar(result, final: true);
        return result;
    }

    private static LocalDate ParseEnd(string? text)
    {
        if (text is null)
        {
            return SystemClock.Instance.GetCurrentInstant().InUtc().Date.PlusDays(-1);
        }

        var parsed = LocalDatePattern.Iso.Parse(text);
        return parsed.Success ? parsed.Value : throw new FieldValidationException("--end", $"'{text}' is not a date (yyyy-MM-dd).");
    }
}
