using System.Text.Json;

namespace Analytics.Api.Reports;

/// <summary>
/// Pages of breakdowns over the daily rollup led by visitors, read with the sketches merged only of the groups that can
/// be on them. Merging every group's sketches is what such a page costs when a dimension has many values (a year of top
/// pages on 100M events over 12,020 pages: 530 ms; 40-50 ms this way). A group's events bound its visitors from above:
/// each visitor of it sent one at least (<see cref="ReportSql.DailyEventBounds"/>, sums that read no sketch). So the
/// groups with the most events are merged first, and a group left out cannot come before the page's last row when that
/// row's visitors exceed <see cref="SketchAbove"/> times the most events a group left out has: the page is then the one
/// every sketch merged gives. When it is not decided, the groups are widened once to every group whose events reach
/// that row's visitors (which decides it: merging more groups can only raise that row's visitors), or, when those are
/// more than were read, every group is merged.
/// </summary>
internal sealed class Leaders
{
    /// <summary>
    /// How far above a group's visitors their sketch's estimate can be, as a multiple. Measured for
    /// <c>uniqCombined(13)</c> (docs/architecture.md): exact to 512 visitors, then a standard error of at most 2.2%,
    /// and 4.6% off for one set in a hundred; 25% is ten times the worst seen.
    /// </summary>
    private const double SketchAbove = 1.25;

    /// <summary>Each set's groups with the most events, most first (label, events), as many as were read.</summary>
    private readonly Dictionary<int, List<(string Label, double Events)>> _groups;

    /// <summary>Each set's number of groups.</summary>
    private readonly Dictionary<int, long> _totals;

    private Leaders(Dictionary<int, List<(string, double)>> groups, Dictionary<int, long> totals) => (_groups, _totals) = (groups, totals);

    /// <summary>
    /// Whether pages that end at <paramref name="end"/> are read among leaders: up to 1,000 rows (an API's page of 10,000
    /// would sum 201,000 groups' bounds to leave out what is mostly merged anyway).
    /// </summary>
    public static bool Serve(int end) => end <= 1_000;

    /// <summary>How many groups of each set to read the bounds of, for pages that end at <paramref name="end"/>.</summary>
    public static int Read(int end) => (20 * end) + 1_000;

    /// <summary>How many groups to merge first for a page that ends at <paramref name="end"/>: twice as many, and ten.</summary>
    private static int First(int end) => (2 * end) + 10;

    /// <summary>The bounds as read (<c>g</c>, <c>d0</c>, <c>events</c>, <c>total</c>, each set's most first).</summary>
    public static Leaders Of(IReadOnlyList<Dictionary<string, JsonElement>> bounds)
    {
        var sets = bounds.GroupBy(r => Set(r)).ToList();
        return new(
            sets.ToDictionary(s => s.Key, s => s.Select(r => (r["d0"].GetString() ?? string.Empty, Number(r["events"]))).ToList()),
            sets.ToDictionary(s => s.Key, s => (long)Number(s.First()["total"])));
    }

    /// <summary>A set's number of groups, when its page was read among its leaders (null: every group was merged).</summary>
    public long? Total(int set, IReadOnlyDictionary<int, IReadOnlyList<string>> among) => among.ContainsKey(set) ? _totals[set] : null;

    /// <summary>
    /// Reads pages of <paramref name="limit"/> rows after <paramref name="offset"/> of each set with <paramref name="read"/>,
    /// which merges the sketches of the groups it is given by set (<c>g</c>; a set not given merges all), and returns its
    /// rows and the groups they were read among.
    /// </summary>
    public async Task<(IReadOnlyList<Dictionary<string, JsonElement>> Rows, IReadOnlyDictionary<int, IReadOnlyList<string>> Among)> ReadAsync(
        int offset, int limit, Func<IReadOnlyDictionary<int, IReadOnlyList<string>>, Task<IReadOnlyList<Dictionary<string, JsonElement>>>> read)
    {
        var end = offset + limit;
        var counts = _groups.Where(s => s.Value.Count > First(end)).ToDictionary(s => s.Key, _ => First(end));
        var widened = new HashSet<int>();
        while (true)
        {
            var among = counts.ToDictionary(c => c.Key, c => (IReadOnlyList<string>)_groups[c.Key].Take(c.Value).Select(g => g.Label).ToList());
            var rows = await read(among);
            var undecided = counts.Where(c => !Decided(rows.Where(r => Set(r) == c.Key).ToList(), limit, _groups[c.Key][c.Value].Events)).Select(c => c.Key).ToList();
            if (undecided.Count == 0)
            {
                return (rows, among);
            }

            foreach (var set in undecided)
            {
                var page = rows.Where(r => Set(r) == set).ToList();
                var reaching = page.Count < limit ? int.MaxValue : _groups[set].Count(g => SketchAbove * g.Events >= Number(page[limit - 1]["visitors"]));
                if (widened.Add(set) && reaching < _groups[set].Count)
                {
                    counts[set] = reaching;
                }
                else
                {
                    counts.Remove(set);
                }
            }
        }
    }

    /// <summary>Whether a page of a set (<paramref name="rows"/>) read among its leaders is decided when a group left out has at most <paramref name="cut"/> events.</summary>
    private static bool Decided(List<Dictionary<string, JsonElement>> rows, int limit, double cut)
        => rows.Count >= limit && Number(rows[limit - 1]["visitors"]) > SketchAbove * cut;

    /// <summary>The set of a row (<c>g</c>; 0 for a statement of one breakdown).</summary>
    private static int Set(Dictionary<string, JsonElement> row) => row.TryGetValue("g", out var g) ? (int)Number(g) : 0;

    private static double Number(JsonElement value) => ReportEngine.Number(value);
}
