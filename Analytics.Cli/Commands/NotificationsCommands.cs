using System.CommandLine;
using Analytics.Dashboard.Notifications;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.Hosting;
using Analytics.Storage.Notifications;
using Analytics.Storage.Properties;

namespace Analytics.Cli.Commands;

/// <summary><c>analytics reports add|list|delete|send</c> and <c>analytics alerts add|list|delete</c>.</summary>
internal static class NotificationsCommands
{
    private static Option<string> Property() => new("--property") { Description = "The property's domain, e.g. example.com.", Required = true };

    public static Command Reports()
    {
        var addProperty = Property();
        var email = new Option<string>("--email") { Description = "The recipient's address.", Required = true };
        var every = new Option<string>("--every") { Description = "week (on the first day of the property's week) or month (on the 1st), in the morning of the property's zone.", Required = true };
        var add = new Command("add", "Sends a property's report to an address every week or month (the first on the next such day) and prints its id.") { addProperty, email, every };
        add.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            var property = await context.PropertyAsync(parse.GetValue(addProperty)!, cancellationToken);
            var report = await Options(() => context.Get<NotificationStore>().AddReportAsync(property.Id, parse.GetValue(email)!, parse.GetValue(every)!, cancellationToken));
            Console.WriteLine(report.Id);
            AnalyticsCommandLine.Progress($"{report.Email} gets the {report.Every}ly report of {property.Domain}.");
            return 0;
        }));

        var listProperty = Property();
        var list = new Command("list", "Lists a property's email reports: id, recipient, period.") { listProperty };
        list.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            var property = await context.PropertyAsync(parse.GetValue(listProperty)!, cancellationToken);
            foreach (var report in await context.Get<NotificationStore>().ListReportsAsync(property.Id, cancellationToken))
            {
                Console.WriteLine($"{report.Id}\t{report.Email}\t{report.Every}");
            }

            return 0;
        }));

        var deleteProperty = Property();
        var id = new Argument<long>("id") { Description = "The report's id (see 'reports list')." };
        var delete = new Command("delete", "Stops an email report.") { deleteProperty, id };
        delete.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            var property = await context.PropertyAsync(parse.GetValue(deleteProperty)!, cancellationToken);
            if (!await context.Get<NotificationStore>().DeleteReportAsync(property.Id, parse.GetValue(id), cancellationToken))
            {
                throw new FieldValidationException("id", $"{property.Domain} has no report {parse.GetValue(id)} (see 'reports list').");
            }

            AnalyticsCommandLine.Progress($"Stopped report {parse.GetValue(id)} of {property.Domain}.");
            return 0;
        }));

        var sendProperty = Property();
        var sendEmail = new Option<string>("--email") { Description = "The recipient's address.", Required = true };
        var period = new Option<string>("--period") { Description = "week (the 7 days before today) or month (the last full month).", Required = true };
        var send = new Command("send", "Sends a property's report of the last week or month to an address now (through the running server when it holds the data).") { sendProperty, sendEmail, period };
        send.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            var (domain, address, kind) = (parse.GetValue(sendProperty)!, parse.GetValue(sendEmail)!, parse.GetValue(period)!);
            bool sent;
            AdminContext? context;
            try
            {
                context = await AdminContext.OpenAsync(parse, Stores.Both, cancellationToken, notifications: true);
            }
            catch (ClickHouseException e) when (e.ErrorCode == ClickHouseException.DataDirectoryInUse)
            {
                AnalyticsCommandLine.Progress("The analytics server is running on this data directory and holds its ClickHouse, so this goes through the server.");
                context = null;
            }

            if (context is null)
            {
                using var response = await TransferCommands.RemoteAsync(parse, HttpMethod.Post,
                    $"/internal/send-report?property={Uri.EscapeDataString(domain)}&email={Uri.EscapeDataString(address)}&period={Uri.EscapeDataString(kind)}", null, cancellationToken);
                sent = await response.Content.ReadAsStringAsync(cancellationToken) == "sent";
            }
            else
            {
                await using (context)
                {
                    var property = await context.PropertyAsync(domain, cancellationToken);
                    sent = await Options(() => context.Get<Deliverer>().SendReportNowAsync(property, address, kind, cancellationToken));
                }
            }

            if (!sent)
            {
                Console.Error.WriteLine($"The report to {address} did not go out; it waits in the delivery log (the server's log and the property's settings say why) and is tried again by the running server.");
                return 1;
            }

            AnalyticsCommandLine.Progress($"Sent the {kind}ly report of {domain} to {address}.");
            return 0;
        }));

        return new Command("reports", "Email reports of a property: weekly or monthly per recipient, or one sent now.") { add, list, delete, send };
    }

    public static Command Alerts()
    {
        var addProperty = Property();
        var kind = new Option<string>("--kind") { Description = "spike (current visitors above --threshold) or drop (a day's visitors below --threshold percent of the usual day).", Required = true };
        var threshold = new Option<int>("--threshold") { Description = "spike: a number of current visitors; drop: a share of the usual day in percent (1-99).", Required = true };
        var email = new Option<string?>("--email") { Description = "Send the alert to this address." };
        var webhook = new Option<string?>("--webhook") { Description = "Or POST it to this URL as JSON (with a Slack-compatible text field)." };
        var quiet = new Option<int>("--quiet-hours") { Description = "Hours after an alert in which it is not sent again.", DefaultValueFactory = _ => 24 };
        var add = new Command("add", "Adds a traffic alert to a property and prints its id.") { addProperty, kind, threshold, email, webhook, quiet };
        add.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            var property = await context.PropertyAsync(parse.GetValue(addProperty)!, cancellationToken);
            var alert = await Options(() => context.Get<NotificationStore>().AddAlertAsync(property.Id, parse.GetValue(kind)!, parse.GetValue(threshold), parse.GetValue(email), parse.GetValue(webhook), parse.GetValue(quiet), cancellationToken));
            Console.WriteLine(alert.Id);
            AnalyticsCommandLine.Progress($"Added the {alert.Kind} alert {alert.Id} of {property.Domain}, to {alert.Target}.");
            return 0;
        }));

        var listProperty = Property();
        var list = new Command("list", "Lists a property's alerts: id, kind, threshold, where it goes, quiet hours, when it last fired.") { listProperty };
        list.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            var property = await context.PropertyAsync(parse.GetValue(listProperty)!, cancellationToken);
            foreach (var alert in await context.Get<NotificationStore>().ListAlertsAsync(property.Id, cancellationToken))
            {
                Console.WriteLine($"{alert.Id}\t{alert.Kind}\t{alert.Threshold}\t{alert.Target}\t{alert.QuietHours}h\t{alert.LastFiredAt:u}");
            }

            return 0;
        }));

        var deleteProperty = Property();
        var id = new Argument<long>("id") { Description = "The alert's id (see 'alerts list')." };
        var delete = new Command("delete", "Deletes a traffic alert.") { deleteProperty, id };
        delete.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            var property = await context.PropertyAsync(parse.GetValue(deleteProperty)!, cancellationToken);
            if (!await context.Get<NotificationStore>().DeleteAlertAsync(property.Id, parse.GetValue(id), cancellationToken))
            {
                throw new FieldValidationException("id", $"{property.Domain} has no alert {parse.GetValue(id)} (see 'alerts list').");
            }

            AnalyticsCommandLine.Progress($"Deleted alert {parse.GetValue(id)} of {property.Domain}.");
            return 0;
        }));

        return new Command("alerts", "Traffic alerts of a property: a spike in current visitors, or a day's drop below the usual; by email or webhook.") { add, list, delete };
    }

    /// <summary>The stores name their fields; here they are options (--email, --every, --kind, --threshold, --webhook, --quiet-hours, --period).</summary>
    private static async Task<T> Options<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (FieldValidationException e) when (e.Field is "email" or "every" or "kind" or "threshold" or "webhook_url" or "quiet_hours" or "period")
        {
            throw new FieldValidationException(e.Field switch { "webhook_url" => "--webhook", "quiet_hours" => "--quiet-hours", _ => "--" + e.Field }, e.Message);
        }
    }
}
