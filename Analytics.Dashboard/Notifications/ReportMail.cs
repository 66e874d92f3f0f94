using System.Globalization;
using System.Net;
using System.Text;
using Analytics.Api.Reports;
using Analytics.ServiceDefaults;
using Analytics.Storage.Properties;
using NodaTime;

namespace Analytics.Dashboard.Notifications;

/// <summary>A mail as sent: its subject, plain-text part and HTML part.</summary>
public sealed record RenderedMail(string Subject, string Text, string Html);

/// <summary>
/// An email report of a property's week or month: top stats with the change from the period before, visitors per day as
/// a small bar graph, top sources, pages and goals, a link to the dashboard and one to unsubscribe. The HTML is tables
/// with inline styles and nothing fetched from elsewhere (no images, fonts or scripts), as mail clients want it.
/// </summary>
public sealed class ReportMail(ReportEngine engine, PublicUrl publicUrl)
{
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    /// <summary>The top stats a report shows, as Plausible's reports do.</summary>
    public static readonly IReadOnlyList<Metric> TopMetrics = [Metric.Visitors, Metric.Pageviews, Metric.BounceRate, Metric.VisitDuration];

    /// <param name="unsubscribe">The unsubscribe page's link of a report's recipient; null for a one-off report.</param>
    public async Task<RenderedMail> RenderAsync(Property property, string every, LocalDate first, LocalDate last, string? unsubscribe, CancellationToken cancellationToken)
    {
        var zone = property.Zone;
        var range = ReportRanges.Days(zone, first, last);
        var comparison = every == "month"
            ? ReportRanges.Days(zone, first.PlusMonths(-1).With(DateAdjusters.StartOfMonth), first.PlusDays(-1))
            : ReportRanges.Previous(range, zone, DateRangeKind.CustomDates);
        ReportQuery Query(IReadOnlyList<Metric> metrics, string? dimension = null, int limit = 10_000) => new()
        {
            PropertyId = property.Id,
            Zone = zone,
            DayZone = property.Days,
            Range = range,
            WeekStart = property.FirstDayOfWeek,
            Metrics = metrics,
            Dimensions = dimension is null ? [] : [Dimension.Parse(dimension, "dimension")],
            Limit = limit,
        };

        var topRows = (await engine.RunAsync(Query(TopMetrics), comparison, cancellationToken)).Rows;
        var top = topRows.Count > 0 ? topRows[0] : null;
        var series = await engine.RunAsync(Query([Metric.Visitors], "time:day"), cancellationToken);
        var byDay = series.Rows.ToDictionary(r => r.Dimensions[0], r => r.Metrics[0]);
        var days = series.TimeBuckets.Select(b => (Day: b.Label.Date, Visitors: byDay.GetValueOrDefault(TimeBuckets.LabelText(b, TimeInterval.Day)))).ToList();
        var sources = (await engine.RunAsync(Query([Metric.Visitors], "visit:source", 5), cancellationToken)).Rows;
        var pages = (await engine.RunAsync(Query([Metric.Visitors], "event:page", 5), cancellationToken)).Rows;
        var goals = (await engine.RunAsync(Query([Metric.Visitors, Metric.ConversionRate], "event:goal", 5), cancellationToken)).Rows;

        var period = every == "month" ? first.ToString("MMMM yyyy", Culture) : Format.Range(range);
        var subject = $"{property.Domain}: {(every == "month" ? "monthly" : "weekly")} report, {period}";
        var dashboard = publicUrl.Link($"/properties/{Uri.EscapeDataString(property.Domain)}?period=custom&from={first.ToString("yyyy-MM-dd", Culture)}&to={last.ToString("yyyy-MM-dd", Culture)}");
        var stats = TopMetrics.Select((metric, i) => (
            Label: Format.Label(metric),
            Value: top is null ? "0" : Format.Metric(metric, top.Metrics[i]),
            Change: top?.Change is { } change ? Format.Change(metric, change[i]) : null,
            Good: top?.Change?[i] is { } c && Format.IsGood(metric, c))).ToList();
        IReadOnlyList<(string Name, string Value)> Rows(IEnumerable<ResultRow> rows, string dimension, Func<ResultRow, string> value)
            => [.. rows.Select(r => (Format.Value(dimension, r.Dimensions[0]), value(r)))];
        var lists = new List<(string Title, string Column, IReadOnlyList<(string Name, string Value)> Rows)>
        {
            ("Top sources", "Visitors", Rows(sources, "visit:source", r => Format.Count(r.Metrics[0]))),
            ("Top pages", "Visitors", Rows(pages, "event:page", r => Format.Count(r.Metrics[0]))),
        };
        if (goals.Count > 0)
        {
            lists.Add(("Goals", "Conversions", Rows(goals, "event:goal", r => $"{Format.Count(r.Metrics[0])} ({Format.Metric(Metric.ConversionRate, r.Metrics[1])})")));
        }

        return new RenderedMail(subject, Text(property, period, stats, days, lists, dashboard, unsubscribe), Html(property, period, stats, days, lists, dashboard, unsubscribe));
    }

    private static string Text(Property property, string period, List<(string Label, string Value, string? Change, bool Good)> stats, List<(LocalDate Day, double Visitors)> days,
        List<(string Title, string Column, IReadOnlyList<(string Name, string Value)> Rows)> lists, string dashboard, string? unsubscribe)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{property.Name} ({property.Domain}), {period}\n\n");
        foreach (var (label, value, change, _) in stats)
        {
            text.Append(CultureInfo.InvariantCulture, $"{label}: {value}{(change is null ? string.Empty : $" ({change} on the period before)")}\n");
        }

        text.Append("\nVisitors per day\n");
        foreach (var (day, visitors) in days)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {day.ToString("ddd d MMM", Culture)}: {Format.Count(visitors)}\n");
        }

        foreach (var (title, column, rows) in lists)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n{title} ({column.ToLowerInvariant()})\n");
            foreach (var (name, value) in rows.DefaultIfEmpty(("No data in this period.", string.Empty)))
            {
                text.Append(CultureInfo.InvariantCulture, $"  {name}{(value.Length > 0 ? ": " + value : string.Empty)}\n");
            }
        }

        text.Append(CultureInfo.InvariantCulture, $"\nThe dashboard: {dashboard}\n");
        if (unsubscribe is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"Stop these reports: {unsubscribe}\n");
        }

        return text.ToString();
    }

    private static string Html(Property property, string period, List<(string Label, string Value, string? Change, bool Good)> stats, List<(LocalDate Day, double Visitors)> days,
        List<(string Title, string Column, IReadOnlyList<(string Name, string Value)> Rows)> lists, string dashboard, string? unsubscribe)
    {
        static string E(string text) => WebUtility.HtmlEncode(text);
        const string Font = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{E(property.Domain)}, {E(period)}</title></head>
            <body style="margin:0;padding:0;background:#f4f5f7;{Font}color:#1f2937">
            <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7"><tr><td align="center" style="padding:24px 12px">
            <table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;width:100%;background:#ffffff;border-radius:8px">
            <tr><td style="padding:24px 24px 8px 24px">
            <h1 style="margin:0;font-size:20px;line-height:28px;{Font}">{E(property.Name)}</h1>
            <p style="margin:4px 0 0 0;font-size:14px;color:#6b7280">{E(property.Domain)} · {E(period)}</p>
            </td></tr>
            <tr><td style="padding:16px 24px"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" data-stats><tr>
            """);
        foreach (var (label, value, change, good) in stats)
        {
            var colour = change is null ? "#6b7280" : good ? "#047857" : "#b91c1c";
            html.Append(CultureInfo.InvariantCulture, $"""
                <td width="25%" valign="top" style="padding:0 8px 0 0" data-stat="{E(label)}"><div style="font-size:12px;color:#6b7280;text-transform:uppercase;letter-spacing:0.04em">{E(label)}</div>
                <div style="font-size:22px;font-weight:700;line-height:30px" data-value>{E(value)}</div>
                <div style="font-size:12px;color:{colour}">{E(change ?? "nothing to compare")}</div></td>
                """);
        }

        html.Append("</tr></table></td></tr>");
        var peak = Math.Max(1, days.Count == 0 ? 1 : days.Max(d => d.Visitors));
        html.Append("""<tr><td style="padding:8px 24px"><div style="font-size:13px;font-weight:600;margin-bottom:6px">Visitors per day</div><table role="presentation" width="100%" cellpadding="0" cellspacing="0" data-graph><tr>""");
        foreach (var (day, visitors) in days)
        {
            var height = Math.Max(2, (int)Math.Round(80 * visitors / peak));
            html.Append(CultureInfo.InvariantCulture, $"""
                <td valign="bottom" align="center" width="{(100.0 / days.Count).ToString("0.##", Culture)}%" style="height:84px;padding:0 1px" title="{E(day.ToString("ddd d MMM", Culture))}: {E(Format.Count(visitors))}" data-day="{day.ToString("yyyy-MM-dd", Culture)}" data-visitors="{visitors.ToString(Culture)}"><div style="height:{height}px;background:#4f46e5;border-radius:2px 2px 0 0;font-size:0;line-height:0">&nbsp;</div></td>
                """);
        }

        html.Append("</tr><tr>");
        foreach (var (day, _) in days)
        {
            html.Append(CultureInfo.InvariantCulture, $"""<td align="center" style="font-size:10px;color:#6b7280;padding-top:2px">{(days.Count <= 7 ? E(day.ToString("ddd", Culture)) : day.Day.ToString(Culture))}</td>""");
        }

        html.Append("</tr></table></td></tr>");
        foreach (var (title, column, rows) in lists)
        {
            html.Append(CultureInfo.InvariantCulture, $"""
                <tr><td style="padding:12px 24px"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="font-size:14px" data-list="{E(title)}">
                <tr><th align="left" style="font-size:13px;padding:4px 0;border-bottom:1px solid #e5e7eb">{E(title)}</th><th align="right" style="font-size:12px;color:#6b7280;font-weight:400;padding:4px 0;border-bottom:1px solid #e5e7eb">{E(column)}</th></tr>
                """);
            foreach (var (name, value) in rows)
            {
                html.Append(CultureInfo.InvariantCulture, $"""<tr><td style="padding:4px 8px 4px 0;word-break:break-all">{E(name)}</td><td align="right" style="padding:4px 0;white-space:nowrap">{E(value)}</td></tr>""");
            }

            if (rows.Count == 0)
            {
                html.Append("""<tr><td colspan="2" style="padding:4px 0;color:#6b7280">No data in this period.</td></tr>""");
            }

            html.Append("</table></td></tr>");
        }

        html.Append(CultureInfo.InvariantCulture, $"""
            <tr><td style="padding:16px 24px 24px 24px"><a href="{E(dashboard)}" style="display:inline-block;background:#4f46e5;color:#ffffff;text-decoration:none;padding:10px 16px;border-radius:6px;font-size:14px" data-dashboard>Open the dashboard</a></td></tr>
            </table>
            <p style="font-size:12px;color:#6b7280;margin:16px 0 0 0">{(unsubscribe is null ? "A report sent once, on request." : $"""You get this report as a recipient of {E(property.Domain)}'s reports. <a href="{E(unsubscribe)}" style="color:#6b7280" data-unsubscribe>Unsubscribe</a>""")}</p>
            </td></tr></table></body></html>
            """);
        return html.ToString();
    }
}
