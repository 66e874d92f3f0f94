using NodaTime;
using Analytics.Ingest.Events;
using Analytics.Ingest.Sessions;

namespace Analytics.Ingest.Demo;

/// <summary>
/// Deterministic, realistic-looking traffic for one property: power-law pages, sources with UTM tags, countries,
/// browsers/OS/devices, a diurnal curve in the property's own time zone and a weekly one, multi-page sessions with
/// engagement (time and scroll), custom events with props and revenue. The same seed gives the same events.
/// </summary>
public sealed class DemoTraffic
{
    /// <summary>The site's own pages, most read first; <see cref="Pages"/> adds the long tail of articles and docs after them.</summary>
    private static readonly (string Path, string Title, string Type, string Author, string[] Categories)[] Head =
    [
        ("/", "Home", "landing", "", []),
        ("/pricing", "Pricing", "landing", "", []),
        ("/features", "Features", "landing", "", []),
        ("/docs", "Documentation", "docs", "", ["docs"]),
        ("/docs/getting-started", "Getting started", "docs", "Ada", ["docs"]),
        ("/docs/api", "API reference", "docs", "Grace", ["docs", "api"]),
        ("/blog", "Blog", "index", "", ["blog"]),
        ("/blog/privacy-first-analytics", "Privacy-first analytics", "article", "Ada", ["blog", "privacy"]),
        ("/blog/clickhouse-at-scale", "ClickHouse at scale", "article", "Linus", ["blog", "engineering"]),
        ("/blog/timezones-are-hard", "Time zones are hard", "article", "Grace", ["blog", "engineering"]),
        ("/blog/cookieless-tracking", "Cookieless tracking", "article", "Ada", ["blog", "privacy"]),
        ("/about", "About us", "page", "", []),
        ("/contact", "Contact", "page", "", []),
        ("/signup", "Sign up", "form", "", []),
        ("/login", "Log in", "form", "", []),
        ("/changelog", "Changelog", "page", "Linus", ["product"]),
        ("/integrations", "Integrations", "landing", "", []),
        ("/careers", "Careers", "page", "", []),
        ("/security", "Security", "page", "", []),
        ("/docs/self-hosting", "Self-hosting", "docs", "Linus", ["docs"]),
    ];

    private static readonly string[] Topics = ["privacy", "clickhouse", "timezones", "cookieless", "dashboards", "funnels", "retention", "imports", "goals", "performance"];

    private static readonly string[] Sections = ["guides", "api", "self-hosting", "integrations", "reference"];

    private static readonly string[] Authors = ["Ada", "Grace", "Linus"];

    /// <summary>
    /// Every page, in order of popularity: the site's own, then the long tail a content site has (10,000 articles and
    /// 2,000 docs pages, interleaved). A real site's paths are thousands, not twenty: the bench's page filters, groups
    /// and codecs are measured on such a vocabulary.
    /// </summary>
    private static readonly (string Path, string Title, string Type, string Author, string[] Categories)[] Pages =
    [
        .. Head,
        .. Enumerable.Range(0, 12_000).Select(i =>
        {
            if (i % 6 == 5)
            {
                var section = Sections[i % Sections.Length];
                return ($"/docs/{section}/{i / 6}", $"{section} {i / 6}", "docs", Authors[i % Authors.Length], new[] { "docs", section });
            }

            var topic = Topics[i % Topics.Length];
            return ($"/blog/{topic}-{i}", $"On {topic}, part {i}", "article", Authors[i % Authors.Length], new[] { "blog", topic });
        }),
    ];

    /// <summary>Sources as collect would store them, with the channel it derives (a test holds the channels to the classifier's).</summary>
    public static readonly (string Source, string Referrer, string UtmSource, string UtmMedium, string UtmCampaign, string Channel, double Weight)[] Sources =
    [
        ("", "", "", "", "", "Direct", 30),
        ("Google", "https://www.google.com/", "", "", "", "Organic Search", 28),
        ("Bing", "https://www.bing.com/", "", "", "", "Organic Search", 4),
        ("DuckDuckGo", "https://duckduckgo.com/", "", "", "", "Organic Search", 4),
        ("Hacker News", "https://news.ycombinator.com/", "", "", "", "Organic Social", 6),
        ("Reddit", "https://www.reddit.com/", "", "", "", "Organic Social", 5),
        ("GitHub", "https://github.com/", "", "", "", "Organic Social", 5),
        ("Twitter", "https://t.co/", "", "", "", "Organic Social", 4),
        ("newsletter", "", "newsletter", "email", "november", "Email", 6),
        ("LinkedIn", "https://www.linkedin.com/", "linkedin", "social", "launch", "Organic Social", 3),
        ("Google", "https://www.google.com/", "google", "cpc", "brand", "Paid Search", 5),
        ("ChatGPT", "https://chatgpt.com/", "chatgpt.com", "", "", "AI Assistants", 2),
    ];

    private static readonly (string Code, string Region, string City, double Weight)[] Countries =
    [
        ("US", "California", "San Francisco", 14), ("US", "New York", "New York", 10), ("DE", "Berlin", "Berlin", 9),
        ("GB", "England", "London", 8), ("IN", "Karnataka", "Bengaluru", 8), ("FR", "Ile-de-France", "Paris", 6),
        ("NL", "North Holland", "Amsterdam", 4), ("CA", "Ontario", "Toronto", 4), ("BR", "Sao Paulo", "Sao Paulo", 4),
        ("JP", "Tokyo", "Tokyo", 4), ("AU", "New South Wales", "Sydney", 3), ("NP", "Bagmati", "Kathmandu", 2),
        ("ES", "Madrid", "Madrid", 3), ("SE", "Stockholm", "Stockholm", 2), ("PL", "Mazovia", "Warsaw", 2),
    ];

    private static readonly (string Browser, string Version, string Os, string OsVersion, string Device, string Screen, double Weight)[] Clients =
    [
        ("Chrome", "130.0", "Windows", "10", "desktop", "desktop", 26), ("Chrome", "130.0", "Mac OS X", "14.5", "desktop", "laptop", 12),
        ("Safari", "17.5", "Mac OS X", "14.5", "desktop", "laptop", 8), ("Mobile Safari", "17.5", "iOS", "17.5", "mobile", "mobile", 16),
        ("Chrome Mobile", "130.0", "Android", "14", "mobile", "mobile", 14), ("Firefox", "131.0", "Windows", "11", "desktop", "desktop", 7),
        ("Firefox", "131.0", "Ubuntu", "", "desktop", "desktop", 3), ("Edge", "130.0", "Windows", "11", "desktop", "desktop", 7),
        ("Mobile Safari", "17.5", "iOS", "17.5", "tablet", "tablet", 4), ("Samsung Internet", "25.0", "Android", "13", "mobile", "mobile", 3),
    ];

    private static readonly string[] Locales = ["en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "pt-BR", "ja-JP", "hi-IN", "nl-NL"];

    private readonly Random _random;
    private readonly ulong _propertyId;
    private readonly string _hostname;
    private readonly DateTimeZone _zone;
    private readonly double[] _pageCumulative;
    private readonly SessionTracker _tracker;

    public DemoTraffic(ulong propertyId, string hostname, string timezone, int seed)
    {
        _random = new Random(seed);
        _propertyId = propertyId;
        _hostname = hostname;
        _zone = DateTimeZoneProviders.Tzdb[timezone];
        // Zipf-like popularity, summed for a binary search (a linear pick over 12,020 pages would slow generation).
        _pageCumulative = new double[Pages.Length];
        var total = 0.0;
        for (var i = 0; i < Pages.Length; i++)
        {
            _pageCumulative[i] = total += 1.0 / Math.Pow(i + 1, 1.1);
        }
        _tracker = new SessionTracker();
    }

    /// <summary>The mean number of events in a generated session (pageviews, engagements, custom events), measured.</summary>
    public const double EventsPerSession = 5.4;

    /// <summary>The base rate that makes about <paramref name="events"/> events in <paramref name="days"/> days (weekends run at 60%).</summary>
    public static int SessionsPerDayFor(long events, double days) => (int)Math.Ceiling(events / EventsPerSession / days / ((5 + (2 * 0.6)) / 7));

    /// <summary>The zone of the property's rollup days (<see cref="Analytics.Storage.Properties.Property.Days"/>), stamped on each event.</summary>
    public required DateTimeZone DayZone { get; init; }

    /// <summary>Sessions a day at the base rate, before the weekly and diurnal shape.</summary>
    public int SessionsPerDay { get; init; } = 400;

    /// <summary>
    /// Distinct people the sessions are drawn from; a smaller pool means more people who come back: on the same day
    /// under the same visitor id, on another day under another (collect's salt changes daily).
    /// </summary>
    public int VisitorPool { get; init; } = 20_000;

    /// <summary>The events of every session starting in [from, to), in timestamp order, with sessions assigned.</summary>
    public IEnumerable<EventRow> Generate(Instant from, Instant to)
    {
        var day = from;
        while (day < to)
        {
            var dayEnd = Instant.Min(day + Duration.FromDays(1), to);
            var local = day.InZone(_zone);
            var weekly = local.DayOfWeek is IsoDayOfWeek.Saturday or IsoDayOfWeek.Sunday ? 0.6 : 1.0;
            var fraction = (dayEnd - day).TotalDays;
            // Rounded at random so that short windows (live traffic, a few seconds each) still get their share.
            var expected = SessionsPerDay * weekly * fraction * (0.85 + (0.3 * _random.NextDouble()));
            var count = (int)expected + (_random.NextDouble() < expected - Math.Floor(expected) ? 1 : 0);
            var events = new List<EventRow>(count * 6);
            for (var i = 0; i < count; i++)
            {
                events.AddRange(Session(PickStart(day, dayEnd)));
            }

            events.Sort((a, b) => a.Timestamp.CompareTo(b.Timestamp));
            foreach (var e in events)
            {
                if (_tracker.Assign(e) is { } assigned)
                {
                    yield return assigned;
                }
            }

            _tracker.Expire(dayEnd.ToDateTimeUtc());
            day = dayEnd;
        }
    }

    /// <summary>A start time in [from, to) drawn from a diurnal curve in local time (quiet at night, busy in the afternoon).</summary>
    private DateTime PickStart(Instant from, Instant to)
    {
        while (true)
        {
            var candidate = from + Duration.FromMilliseconds(_random.NextInt64(0, (long)(to - from).TotalMilliseconds));
            var hour = candidate.InZone(_zone).TimeOfDay.Hour;
            var weight = 0.15 + (0.85 * Math.Pow(Math.Sin(Math.PI * Math.Clamp((hour - 5) / 19.0, 0, 1)), 2));
            if (_random.NextDouble() < weight)
            {
                return candidate.ToDateTimeUtc();
            }
        }
    }

    private IEnumerable<EventRow> Session(DateTime start)
    {
        var visitorNumber = _random.Next(1, VisitorPool);
        var visitor = VisitorOn(visitorNumber, start);
        var source = Pick(_random, Sources, s => s.Weight);

        // A visitor id stands for one IP and user agent, so its country, client and language never change.
        var person = new Random(visitorNumber);
        var country = Pick(person, Countries, c => c.Weight);
        var client = Pick(person, Clients, c => c.Weight);
        var locale = Locales[person.Next(Locales.Length)];
        var template = new EventRow
        {
            PropertyId = _propertyId,
            DayZone = DayZone,
            Timestamp = start,
            Name = "pageview",
            VisitorId = visitor,
            Hostname = _hostname,
            Referrer = source.Referrer,
            ReferrerSource = source.Source,
            Channel = source.Channel,
            UtmSource = source.UtmSource,
            UtmMedium = source.UtmMedium,
            UtmCampaign = source.UtmCampaign,
            CountryCode = country.Code,
            Region = country.Region,
            City = country.City,
            Browser = client.Browser,
            BrowserVersion = client.Version,
            Os = client.Os,
            OsVersion = client.OsVersion,
            DeviceType = client.Device,
            ScreenSize = client.Screen,
            Locale = locale,
        };

        var pageviews = _random.NextDouble() < 0.42 ? 1 : 2 + (int)(-Math.Log(1 - _random.NextDouble()) * 2.5);
        var time = start;
        for (var i = 0; i < pageviews; i++)
        {
            var page = Pages[PickPage()];
            var pageEvent = template with
            {
                Timestamp = time,
                Pathname = page.Path,
                PageTitle = page.Title,
                ContentType = page.Type,
                Author = page.Author,
                Categories = page.Categories,
                Tags = page.Type == "article" ? [page.Path.Split('/')[^1].Split('-')[0]] : [],
                Referrer = i == 0 ? template.Referrer : string.Empty,
            };
            yield return pageEvent;

            var engaged = (uint)(2_000 + (-Math.Log(1 - _random.NextDouble()) * 40_000));
            if (page.Path == "/signup" && _random.NextDouble() < 0.3)
            {
                var plan = _random.NextDouble() < 0.7 ? "free" : "pro";
                yield return pageEvent with
                {
                    Name = "Signup",
                    Timestamp = time.AddMilliseconds(engaged / 2),
                    Props = new Dictionary<string, string> { ["plan"] = plan },
                    RevenueAmount = plan == "pro" ? 49m : 0m,
                    RevenueCurrency = plan == "pro" ? "USD" : string.Empty,
                };
            }
            else if (page.Path.StartsWith("/docs", StringComparison.Ordinal) && _random.NextDouble() < 0.1)
            {
                yield return pageEvent with
                {
                    Name = "File Download",
                    Timestamp = time.AddMilliseconds(engaged / 2),
                    Props = new Dictionary<string, string> { ["url"] = "https://example.com/files/guide.pdf" },
                };
            }

            time = time.AddMilliseconds(engaged);
            yield return pageEvent with
            {
                Name = "engagement",
                Timestamp = time,
                EngagementMs = engaged,
                ScrollDepth = (byte)Math.Min(100, 20 + _random.Next(0, 81)),
            };
            time = time.AddMilliseconds(500 + _random.Next(0, 20_000));
        }
    }

    private int PickPage()
    {
        var index = Array.BinarySearch(_pageCumulative, _random.NextDouble() * _pageCumulative[^1]);
        return Math.Min(index < 0 ? ~index : index, Pages.Length - 1);
    }

    /// <summary>
    /// The person's id on the UTC day a session starts, as collect's keyed hash with a daily salt makes it: another id
    /// each day, the same within a day, spread evenly over all 64 bits (sampling by visitor takes a range of ids).
    /// The day and the person together are one 64-bit number, mixed by a bijection (SplitMix64's finalizer), so no two
    /// people on any days share an id.
    /// </summary>
    internal static ulong VisitorOn(int person, DateTime startUtc)
    {
        unchecked
        {
            var x = ((ulong)(uint)DateOnly.FromDateTime(startUtc).DayNumber << 32) | (uint)person;
            x = (x ^ (x >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
            x = (x ^ (x >> 27)) * 0x94D0_49BB_1331_11EBUL;
            return x ^ (x >> 31);
        }
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items, Func<T, double> weight) => items[PickIndex(random, items.Select(weight).ToArray())];

    private static int PickIndex(Random random, double[] weights)
    {
        var roll = random.NextDouble() * weights.Sum();
        for (var i = 0; i < weights.Length; i++)
        {
            roll -= weights[i];
            if (roll < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }
}
