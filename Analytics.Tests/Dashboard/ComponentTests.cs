using Analytics.Api.Reports;
using Analytics.Dashboard;
using Analytics.Dashboard.Components.Shared;
using Analytics.Storage.Properties;
using Bunit;
using MudBlazor.Services;

namespace Analytics.Tests.Dashboard;

/// <summary>
/// The dashboard's drawing components, rendered with bUnit from the plain data a view produces (no server): what the
/// graph draws and leaves out, what its tooltips say, and how panels name countries and hide empty columns.
/// </summary>
public sealed class ComponentTests : BunitContext
{
    private static readonly DashboardView View = DashboardView.FromUri("site.example", "/properties/site.example?period=today&compare=previous_period");

    public ComponentTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void Graph_StopsAtNow_AndItsTooltipsCarryTheComparisonAndTheChange()
    {
        var graph = Render<MainGraph>(p => p
            .Add(c => c.View, View)
            .Add(c => c.Data, Data(new GraphSeries(Metric.Visitors, ["Thu 3 Dec 2026, 00:00", "Thu 3 Dec 2026, 01:00", "Thu 3 Dec 2026, 02:00", "Thu 3 Dec 2026, 03:00"],
                [4, 10, null, null], ["Wed 2 Dec 2026, 00:00", "Wed 2 Dec 2026, 01:00", "Wed 2 Dec 2026, 02:00", "Wed 2 Dec 2026, 03:00"], [2, 10, 7, 1]))));

        // Two hours have begun: the line has two points; the comparison all four; every hour has a tooltip.
        Assert.Equal(2, graph.Find("polyline.current").GetAttribute("points")!.Split(' ').Length);
        Assert.Equal(4, graph.Find("polyline.comparison").GetAttribute("points")!.Split(' ').Length);
        var tips = graph.FindAll(".graph-hover .tip").Select(t => t.TextContent).ToList();
        Assert.Equal(4, tips.Count);
        Assert.Contains("4 visitors", tips[0], StringComparison.Ordinal);
        Assert.Contains("Wed 2 Dec 2026, 00:00: 2", tips[0], StringComparison.Ordinal);
        Assert.Contains("+100%", tips[0], StringComparison.Ordinal);
        Assert.Contains("not yet", tips[2], StringComparison.Ordinal);
        Assert.DoesNotContain("%", tips[2], StringComparison.Ordinal);

        // The stats switch the graph's metric through the URL; the interval switch names the choices.
        Assert.Equal("/properties/site.example?period=today&compare=previous_period&graph=pageviews", graph.Find("[data-metric=pageviews]").GetAttribute("href"));
        Assert.Equal("true", graph.Find("[data-metric=visitors]").GetAttribute("aria-current"));
        Assert.Equal(["Hours", "Days"], graph.FindAll(".tabs a").Select(a => a.TextContent).ToList());
    }

    [Fact]
    public void Panels_NameCountriesWithTheirFlags_HideAnEmptyRevenueColumn_AndLinkToDetails()
    {
        var countries = Render<BreakdownCard>(p => p
            .Add(c => c.Panel, Panels.Locations)
            .Add(c => c.View, View)
            .Add(c => c.Data, new PanelData("locations", "country", ["country", "region", "city"], [new PanelRow("DE", [5]), new PanelRow("XK", [2]), new PanelRow("", [1])], More: true)));
        Assert.Equal(["🇩🇪 Germany", "🇽🇰 Kosovo", "(none)"], countries.FindAll("tbody a").Select(a => a.TextContent).ToList());
        Assert.Contains("details=locations", countries.Find("[data-details=locations]").GetAttribute("href"), StringComparison.Ordinal);
        Assert.Equal("Map", countries.FindAll(".tabs a")[^1].TextContent);

        var events = Render<BreakdownCard>(p => p
            .Add(c => c.Panel, Panels.Events)
            .Add(c => c.View, View)
            .Add(c => c.Data, new PanelData("events", "name", ["name"], [new PanelRow("Signup", [3, 4, 0])], More: false)));
        Assert.Equal(["Events", "Visitors", "Events"], events.FindAll("thead th").Select(t => t.TextContent).ToList());
        var paid = Render<BreakdownCard>(p => p
            .Add(c => c.Panel, Panels.Events)
            .Add(c => c.View, View)
            .Add(c => c.Data, new PanelData("events", "name", ["name"], [new PanelRow("Purchase", [3, 4, 129.5])], More: false)));
        Assert.Equal("129.50", paid.FindAll("tbody td")[^1].TextContent);
    }

    [Fact]
    public void WorldMap_ShadesCountriesWithVisitors_AndEachFiltersTheView()
    {
        var map = Render<WorldMap>(p => p
            .Add(c => c.View, View)
            .Add(c => c.Rows, [new PanelRow("DE", [10]), new PanelRow("BR", [1])]));
        var visited = map.FindAll("a path.visited");
        Assert.Equal(2, visited.Count);
        Assert.True(map.FindAll("path.land").Count > 150);
        Assert.Contains("filters=[[\"is\",\"visit:country\",[\"DE\"]]]", Uri.UnescapeDataString(map.Find("a[aria-label^='Germany']").GetAttribute("href")!), StringComparison.Ordinal);
    }

    [Fact]
    public void Funnel_SaysItIsCounting_UntilItsStepsCome_ThenDrawsEachAgainstTheFirst()
    {
        FunnelChoice[] funnels = [new(4, "Home to signup"), new(9, "Docs to signup")];
        var counting = Render<FunnelCard>(p => p
            .Add(c => c.View, View)
            .Add(c => c.Data, new FunnelData(9, funnels, null)));
        Assert.Equal("true", counting.Find("[data-panel=funnel]").GetAttribute("aria-busy"));
        Assert.Equal("Funnel: Docs to signup", counting.Find("h2").TextContent);
        Assert.Contains("Counting", counting.Find("[role=status]").TextContent, StringComparison.Ordinal);
        Assert.Empty(counting.FindAll("[data-step-visitors]"));
        Assert.Equal("true", counting.Find("a[data-funnel='9']").GetAttribute("aria-current")); // the choice of funnel is there before its steps

        var result = new FunnelResult("Docs to signup", 400, 200, 50, 200, 50,
            [new FunnelStep("Read the docs", 200, 100, 100, 0, 0), new FunnelStep("Signup", 50, 25, 25, 150, 75)]);
        var counted = Render<FunnelCard>(p => p
            .Add(c => c.View, View)
            .Add(c => c.Data, new FunnelData(9, funnels, result)));
        Assert.Equal("false", counted.Find("[data-panel=funnel]").GetAttribute("aria-busy"));
        Assert.Empty(counted.FindAll("[role=status]"));
        Assert.Equal(["200", "50"], counted.FindAll("[data-step-visitors]").Select(s => s.TextContent).ToList());
        Assert.Equal(["width: 100%", "width: 25%"], counted.FindAll(".bar").Select(b => b.GetAttribute("style")).ToList());
    }

    [Fact]
    public void Visits_SaysItIsListing_UntilTheyCome_ThenEachOpensItsTimeline_InTheOwnersZone()
    {
        var property = new Property(1, "site.example", "Site", "Asia/Kathmandu", DateTime.UnixEpoch, 1, string.Empty, null, false);
        var listing = Render<VisitsCard>(p => p
            .Add(c => c.View, View)
            .Add(c => c.Property, property)
            .Add(c => c.Visits, null));
        Assert.Equal("true", listing.Find("[data-panel=visits]").GetAttribute("aria-busy"));
        Assert.Contains("Listing", listing.Find("[role=status]").TextContent, StringComparison.Ordinal);
        Assert.Empty(listing.FindAll("a[data-visit]"));

        var visit = new SessionSummary("18446744073709551615", new DateTime(2026, 12, 3, 10, 0, 0, DateTimeKind.Utc), new DateTime(2026, 12, 3, 10, 5, 0, DateTimeKind.Utc),
            3, 4, 300_000, "/pricing", "/signup", "Google", "DE", "Firefox", "Linux", "Desktop");
        var listed = Render<VisitsCard>(p => p
            .Add(c => c.View, View)
            .Add(c => c.Property, property)
            .Add(c => c.Visits, [visit]));
        Assert.Equal("false", listed.Find("[data-panel=visits]").GetAttribute("aria-busy"));
        Assert.Empty(listed.FindAll("[role=status]"));
        var link = listed.Find("a[data-visit]");
        Assert.Contains("visit=18446744073709551615", link.GetAttribute("href"), StringComparison.Ordinal);
        Assert.Contains("15:45", link.TextContent, StringComparison.Ordinal); // 10:00 UTC in Kathmandu (+05:45)

        var none = Render<VisitsCard>(p => p
            .Add(c => c.View, View)
            .Add(c => c.Property, property)
            .Add(c => c.Visits, []));
        Assert.Contains("No visit started", none.Find("td.empty").TextContent, StringComparison.Ordinal);
        Assert.Empty(none.FindAll("[data-details=visits]"));
    }

    [Fact]
    public void ViewUrls_KeepEveryState_AndFiltersReplaceTheirOwnDimension()
    {
        var view = DashboardView.FromUri("site.example", "http://host/properties/site.example?graph=bounce_rate&period=7d&interval=hour&sources=referrer");
        Assert.Equal("/properties/site.example?period=7d&graph=bounce_rate&interval=hour&sources=referrer", view.Url);
        Assert.Equal(Metric.BounceRate, view.Graph);
        Assert.Equal(TimeInterval.Hour, view.Interval);

        var filtered = DashboardView.FromUri("site.example", view.WithFilter("visit:country", "DE"));
        var again = DashboardView.FromUri("site.example", filtered.WithFilter("visit:country", "FR"));
        Assert.Equal([new FilterChip(0, "visit:country", "is", ["FR"])], again.Chips.Select(c => c with { Values = [.. c.Values] }).ToList(), new ChipComparer());
        var edited = DashboardView.FromUri("site.example", again.WithFilter(0, new FilterChip(0, "event:page", "contains_not", ["/a", "/b"])));
        Assert.Equal("contains_not", edited.Chips.Single().Operator);
        Assert.Equal(["/a", "/b"], edited.Chips.Single().Values);
        Assert.Equal("/properties/site.example?period=7d&graph=bounce_rate&interval=hour&sources=referrer", DashboardView.FromUri("site.example", edited.WithoutFilter(0)).Url);
        Assert.Equal("/properties/site.example?period=custom&from=2026-01-01&to=2026-01-31&graph=bounce_rate&interval=hour&sources=referrer", view.WithDays("2026-01-01", "2026-01-31"));
    }

    private static DashboardData Data(GraphSeries graph) => new(
        View.Url, null, "3 Dec 2026", "2 Dec 2026", "2026-12-03", "2026-12-03", TimeInterval.Hour, [TimeInterval.Hour, TimeInterval.Day],
        [new TopStat(Metric.Visitors, 14, 20, -30), new TopStat(Metric.Pageviews, 30, 20, 50)], graph, [], RealtimeData.Empty, []);

    private sealed class ChipComparer : IEqualityComparer<FilterChip>
    {
        public bool Equals(FilterChip? x, FilterChip? y) => x is not null && y is not null && x.Dimension == y.Dimension && x.Operator == y.Operator && x.Values.SequenceEqual(y.Values);

        public int GetHashCode(FilterChip obj) => obj.Dimension.GetHashCode(StringComparison.Ordinal);
    }
}
