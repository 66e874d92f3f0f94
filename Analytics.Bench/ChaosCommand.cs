using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Embedded;
using Analytics.Storage.Hosting;
using Analytics.Ingest.Collect;
using Analytics.Storage.Properties;

using Analytics.Cli.Commands;
using Analytics.Storage.ClickHouse.Catalog;

namespace Analytics.Bench;

/// <summary>
/// <c>analytics chaos</c>: the crash harness behind the promise "a 202 means the event is kept, exactly once". A load
/// generator sends events, each with a unique id in a custom property, and records every 202; the server (a child
/// process, as users run it) is killed with SIGKILL at a random moment, sometimes while it is still starting and
/// replaying its spool, and restarted. After the last restart has drained, every acknowledged id must be in the raw
/// table, no id twice, and every materialized view must count exactly what the raw table holds. The last line is
/// <c>lost=N duplicates=M cycles=K</c>; the exit code is 0 only when both are 0.
/// </summary>
internal static class ChaosCommand
{
    private const string Domain = "chaos.example";
    private const int Workers = 16;

    // A server killed every few seconds never lives long enough for ClickHouse to delete the parts its merges replaced
    // (its cleanup runs every 30 to 40 s), so each start loads more of them: at 285 cycles, 6,500 part directories and
    // 3.5 s of every start. Every 100th cycle the server lives long enough for that cleanup, as servers do.
    private const int LongLifeEvery = 100;
    private const int LongLifeMs = 45_000;

    public static Command Create()
    {
        var cycles = new Option<int>("--cycles") { Description = "How many times the server is killed with SIGKILL and restarted.", DefaultValueFactory = _ => 20 };
        var rate = new Option<int>("--rate") { Description = "Events per second the load generator sends while the server is up.", DefaultValueFactory = _ => 1_000 };
        var seed = new Option<int?>("--seed") { Description = "Seed of the kill moments (default: random, printed so that a run can be repeated)." };
        var keep = new Option<bool>("--keep") { Description = "Keep the run's data directory even when nothing was lost (it is always kept when something was)." };
        var maxMinutes = new Option<int?>("--max-minutes") { Description = "Start no new cycle after this many minutes; the check then covers the cycles done (the last line says how many)." };
        var chaos = new Command(
            "chaos",
            "Crash harness: sends events with unique ids, kills the server with SIGKILL at random moments and restarts it, then checks that every acknowledged event is stored once in the raw table and counted once in every view. Each run works in a new directory under --data (default /var/lib/analytics-chaos as root, else ~/.local/share/analytics-chaos), never the product's data. Last line: lost=N duplicates=M cycles=K.")
        {
            cycles, rate, seed, keep, maxMinutes,
        };
        chaos.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            var count = parse.GetValue(cycles);
            if (count is < 1 or > 100_000)
            {
                throw new FieldValidationException("--cycles", "must be between 1 and 100000.");
            }

            var perSecond = parse.GetValue(rate);
            if (perSecond is < 1 or > 100_000)
            {
                throw new FieldValidationException("--rate", "must be between 1 and 100000 events per second.");
            }

            var chosenSeed = parse.GetValue(seed) ?? Random.Shared.Next();
            var root = parse.GetValue(AnalyticsCommandLine.Data) ?? DataDirectory.Resolve(null) + "-chaos";
            var run = Path.Combine(Path.GetFullPath(root), DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + chosenSeed.ToString("x8", CultureInfo.InvariantCulture));
            Directory.CreateDirectory(run);
            AnalyticsCommandLine.Progress($"Chaos run: {count} cycles at {perSecond} events/s, seed {chosenSeed}, in {run}.");
            var harness = new Harness(run, parse.GetValue(AnalyticsCommandLine.Config), perSecond, new Random(chosenSeed));
            var deadline = parse.GetValue(maxMinutes) is { } minutes ? DateTime.UtcNow.AddMinutes(minutes) : DateTime.MaxValue;
            var (lost, duplicates, done) = await harness.RunAsync(count, deadline, cancellationToken);
            Console.WriteLine($"lost={lost} duplicates={duplicates} cycles={done}");
            if (lost == 0 && duplicates == 0 && !parse.GetValue(keep))
            {
                Directory.Delete(run, recursive: true);
            }
            else
            {
                AnalyticsCommandLine.Progress($"The run's data is kept in {run}.");
            }

            return lost == 0 && duplicates == 0 ? 0 : 1;
        }));
        return chaos;
    }

    private sealed class Harness(string data, string? configFile, int rate, Random random)
    {
        private readonly Ledger _ledger = new();

        public async Task<(long Lost, long Duplicates, int Cycles)> RunAsync(int cycles, DateTime deadline, CancellationToken cancellationToken)
        {
            var done = 0;
            string[] serve = ["serve", "--data", data, .. configFile is null ? Array.Empty<string>() : ["--config", configFile]];
            var environment = new Dictionary<string, string>();
            var server = await ChildServer.StartAsync(serve, environment, cancellationToken);
            try
            {
                await using (var admin = await AdminContext.OpenAsync(Configuration(), Stores.Postgres, cancellationToken))
                {
                    await admin.Get<PropertyStore>().AddAsync(Domain, "Chaos", "UTC", null, cancellationToken);
                }

                for (var cycle = 1; cycle <= cycles && DateTime.UtcNow < deadline; cycle++)
                {
                    string moment;
                    var kind = random.Next(4);
                    var longLife = cycle % LongLifeEvery == 0;
                    if (cycle > 1 && kind == 0 && !longLife)
                    {
                        // Killed while starting: while it replays the spool into ClickHouse or recovers sessions.
                        var after = random.Next(0, 2_500);
                        await Task.Delay(after, cancellationToken);
                        if (server.HasExited)
                        {
                            throw new OptionsException($"The server exited by itself while starting:\n{server.Tail()}");
                        }

                        moment = $"{after} ms into its start";
                    }
                    else
                    {
                        await server.WaitHealthyAsync(cancellationToken);
                        var after = longLife ? LongLifeMs : random.Next(200, 3_000);
                        using var load = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                        var senders = Enumerable.Range(0, Workers).Select(_ => SendAsync(server.Http, load.Token)).ToList();
                        if (kind == 1 && !longLife)
                        {
                            // Right as a segment is sealed, when the batcher is about to insert it or is inserting it.
                            await WaitSealedAsync(TimeSpan.FromMilliseconds(after), cancellationToken);
                            var offset = random.Next(0, 40);
                            await Task.Delay(offset, cancellationToken);
                            moment = $"{offset} ms after a segment was sealed";
                        }
                        else
                        {
                            await Task.Delay(after, cancellationToken);
                            moment = $"after {after} ms of load";
                        }

                        await server.KillAsync();
                        await load.CancelAsync();
                        await Task.WhenAll(senders);
                    }

                    await server.KillAsync();
                    await server.DisposeAsync();
                    await File.AppendAllTextAsync(Path.Combine(data, "server.log"), $"--- cycle {cycle}: killed {moment}\n{server.Output()}", cancellationToken);
                    done = cycle;
                    AnalyticsCommandLine.Bar(cycle / (double)cycles, $"cycle {cycle}/{cycles}: killed {moment}; {_ledger.Summary()}", final: cycle == cycles || DateTime.UtcNow >= deadline);
                    server = ChildServer.Launch(serve, environment);
                }

                // The last start replays what the spool holds before it listens; then a graceful stop drains the rest.
                await server.WaitHealthyAsync(cancellationToken);
                await WaitSpoolEmptyAsync(cancellationToken);
                var exit = await server.TerminateAsync(TimeSpan.FromSeconds(60));
                if (exit != 0)
                {
                    throw new OptionsException($"The server exited with {exit} on SIGTERM:\n{server.Tail()}");
                }
            }
            finally
            {
                await server.DisposeAsync();
                await File.AppendAllTextAsync(Path.Combine(data, "server.log"), $"--- the last start, drained and stopped\n{server.Output()}", CancellationToken.None);
            }

            var (lost, duplicates) = await CheckAsync(cancellationToken);
            return (lost, duplicates, done);
        }

        private Microsoft.Extensions.Configuration.IConfiguration Configuration() => Cli.Configuration.AnalyticsConfiguration.Build(configFile, data);

        /// <summary>One sender: events one after another at its share of the rate, until cancelled or the server is gone.</summary>
        private async Task SendAsync(HttpClient http, CancellationToken cancellationToken)
        {
            var interval = TimeSpan.FromSeconds(Workers / (double)rate);
            while (!cancellationToken.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                var id = _ledger.Next();
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/event") { Content = new StringContent(Body(id), Encoding.UTF8, "text/plain") };
                request.Headers.TryAddWithoutValidation("User-Agent", ChildServer.UserAgent);
                request.Headers.TryAddWithoutValidation("X-Forwarded-For", $"198.18.{id % 3}.{id % 211}");
                try
                {
                    using var response = await http.SendAsync(request, cancellationToken);
                    _ledger.Answered(id, response.StatusCode == HttpStatusCode.Accepted && !response.Headers.Contains(CollectResponse.DroppedHeader), (int)response.StatusCode);
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                    _ledger.InDoubt(); // no answer: it may or may not be kept, but never twice
                    return;
                }

                var wait = interval - Stopwatch.GetElapsedTime(started);
                if (wait > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(wait, cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }

        /// <summary>Pageviews on a few pages from a few hundred visitors, and a custom event now and then.</summary>
        private static string Body(long id)
            => id % 5 == 0
                ? $$$"""{"n":"chaos","u":"https://{{{Domain}}}/p{{{id % 13}}}","d":"{{{Domain}}}","p":{"id":"{{{id}}}"}}"""
                : $$$"""{"n":"pageview","u":"https://{{{Domain}}}/p{{{id % 13}}}","d":"{{{Domain}}}","r":"https://news.ycombinator.com/","p":{"id":"{{{id}}}"}}""";

        /// <summary>Waits until a sealed segment appears in the spool, after at least <paramref name="first"/>.</summary>
        private async Task WaitSealedAsync(TimeSpan first, CancellationToken cancellationToken)
        {
            await Task.Delay(first, cancellationToken);
            var spool = Path.Combine(data, "spool");
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!Directory.EnumerateFiles(spool, "*.ready").Any() && DateTime.UtcNow < deadline)
            {
                await Task.Delay(1, cancellationToken);
            }
        }

        private async Task WaitSpoolEmptyAsync(CancellationToken cancellationToken)
        {
            var spool = Path.Combine(data, "spool");
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (Directory.Exists(spool) && Directory.EnumerateFiles(spool).Any(f => !f.EndsWith(".rejected", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

        /// <summary>Compares what was acknowledged with the raw table, and the raw table with every view.</summary>
        private async Task<(long Lost, long Duplicates)> CheckAsync(CancellationToken cancellationToken)
        {
            await using var admin = await AdminContext.OpenAsync(Configuration(), Stores.Both, cancellationToken);
            var clickHouse = admin.Get<IClickHouse>();
            var property = await admin.Get<PropertyStore>().FindByDomainAsync(Domain, cancellationToken) ?? throw new OptionsException("The chaos property is gone.");
            var stored = (await clickHouse.QueryAsync<StoredId>(
                "SELECT toInt64(props['id']) AS id, count() AS copies FROM events WHERE property_id = {property:UInt64} GROUP BY id",
                new { property = property.Id }, cancellationToken: cancellationToken)).ToDictionary(r => r.Id, r => (long)r.Copies);
            var acknowledged = _ledger.Acknowledged();
            var lost = acknowledged.LongCount(id => !stored.ContainsKey(id));
            var duplicates = stored.Values.Sum(copies => copies - 1);
            var rejected = Directory.Exists(Path.Combine(data, "spool")) ? Directory.GetFiles(Path.Combine(data, "spool"), "*.rejected").Length : 0;
            var raw = stored.Values.Sum();

            var output = new StringBuilder();
            output.AppendLine(CultureInfo.InvariantCulture, $"acknowledged {acknowledged.Count:N0}; in doubt (no answer) {_ledger.InDoubtCount:N0}; other answers {_ledger.OtherAnswers()}");
            output.AppendLine(CultureInfo.InvariantCulture, $"raw table: {raw:N0} rows, {stored.Count:N0} ids; acknowledged and missing {lost}; stored more than once {duplicates}; rejected segments {rejected}");
            var log = Path.Combine(data, "server.log");
            var repaired = File.Exists(log) ? File.ReadLines(log).Count(line => line.Contains(DeduplicationLogRepair.ForgotRecord, StringComparison.Ordinal)) : 0;
            output.AppendLine(CultureInfo.InvariantCulture, $"deduplication records a kill left without their part, dropped at a start: {repaired}");
            output.AppendLine("view                       counts    raw  difference");
            // Every table the views keep (the catalog's) counts each event once; the session-keeping rollups count each visit once.
            var checks = new List<(string Name, long Counted, long Expected)>();
            var parameters = new { property = property.Id };
            foreach (var table in DerivedTables.All)
            {
                var counted = await clickHouse.QueryAsync<Sum>($"SELECT toInt64(sum(events)) AS n FROM {table.Name} WHERE property_id = {{property:UInt64}} AND {table.Totals}", parameters, cancellationToken: cancellationToken);
                checks.Add(($"{table.Name} (events)", counted.Single().N, raw));
            }

            var rawSessions = (await clickHouse.QueryAsync<Sum>("SELECT toInt64(uniqExact(session_id)) AS n FROM events WHERE property_id = {property:UInt64}", parameters, cancellationToken: cancellationToken)).Single().N;
            foreach (var table in new[] { "rollup_property", "rollup_hourly" })
            {
                var visits = await clickHouse.QueryAsync<Sum>($"SELECT toInt64(sum(visits)) AS n FROM {table} WHERE property_id = {{property:UInt64}}", parameters, cancellationToken: cancellationToken);
                checks.Add(($"{table} (visits)", visits.Single().N, rawSessions));
            }

            foreach (var (name, counted, expected) in checks)
            {
                output.AppendLine(CultureInfo.InvariantCulture, $"{name,-24} {counted,8} {expected,6} {counted - expected,11}");
                duplicates += Math.Max(0, counted - expected);
                lost += Math.Max(0, expected - counted);
            }

            Console.Write(output);
            return (lost, duplicates);
        }
    }

    /// <summary>Every id sent, and what became of it.</summary>
    private sealed class Ledger
    {
        private readonly List<long> _acknowledged = [];
        private readonly Dictionary<int, long> _other = [];
        private long _next;
        private long _inDoubt;

        public long InDoubtCount => Interlocked.Read(ref _inDoubt);

        public long Next() => Interlocked.Increment(ref _next);

        public void InDoubt() => Interlocked.Increment(ref _inDoubt);

        public void Answered(long id, bool kept, int status)
        {
            lock (_acknowledged)
            {
                if (kept)
                {
                    _acknowledged.Add(id);
                }
                else
                {
                    _other[status] = _other.GetValueOrDefault(status) + 1;
                }
            }
        }

        public List<long> Acknowledged()
        {
            lock (_acknowledged)
            {
                return [.. _acknowledged];
            }
        }

        public string OtherAnswers()
        {
            lock (_acknowledged)
            {
                return _other.Count == 0 ? "none" : string.Join(", ", _other.Select(o => $"{o.Key}: {o.Value}"));
            }
        }

        public string Summary()
        {
            lock (_acknowledged)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{_acknowledged.Count:N0} acknowledged, {InDoubtCount:N0} in doubt");
            }
        }
    }

    private sealed record StoredId(long Id, ulong Copies);

    private sealed record Sum(long N);
}
