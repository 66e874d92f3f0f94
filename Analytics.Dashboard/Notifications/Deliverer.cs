using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Analytics.ServiceDefaults;
using Analytics.Storage.Notifications;
using Analytics.Storage.Properties;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace Analytics.Dashboard.Notifications;

/// <summary>
/// Sends one delivery, by email (MailKit, with a Message-ID of its own, the same when it is sent again) or webhook (a
/// JSON POST with a Slack-compatible <c>text</c>), and records the outcome: sent, or failed and retried with backoff
/// (<see cref="SchedulerOptions.RetryAfter"/>) until <see cref="SchedulerOptions.MaxAttempts"/>.
/// </summary>
public sealed class Deliverer(NotificationStore store, PropertyStore properties, ReportMail reports, Mailer mailer, IHttpClientFactory clients, PublicUrl publicUrl, SchedulerOptions options, TimeProvider time, ILogger<Deliverer> logger)
{
    /// <summary>The name of the webhooks' HTTP client (10-second timeout, no cookies).</summary>
    public const string WebhookClient = "webhooks";

    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    /// <summary>Sends the delivery (claimed: state sending) and records how it went; true when it went out.</summary>
    public async Task<bool> DeliverAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        string? error;
        try
        {
            error = await SendAsync(delivery, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error = $"{e.GetType().Name}: {e.Message}";
        }

        if (error is null)
        {
            await store.SentAsync(delivery.Id, cancellationToken);
            return true;
        }

        var retry = delivery.Attempts < options.MaxAttempts && error != Gone ? options.RetryAfter(delivery.Attempts) : (TimeSpan?)null;
        logger.LogWarning("Delivery {Id} ({Source} to {Channel}) failed on attempt {Attempt}: {Error}; {Next}", delivery.Id, delivery.Source, delivery.Channel, delivery.Attempts, error,
            retry is { } after ? $"trying again in {after}" : "giving up");
        await store.FailedAsync(delivery.Id, error, retry, cancellationToken);
        return false;
    }

    /// <summary>
    /// Sends a report of the last full week or month to an address now (recorded in the delivery log, and retried like
    /// the scheduled ones if it fails); with a subscription of that address and period, the mail has its unsubscribe link.
    /// </summary>
    public async Task<bool> SendReportNowAsync(Property property, string email, string every, CancellationToken cancellationToken)
    {
        var address = Storage.Hosting.EmailAddress.Check(email, "email");
        var period = every?.Trim().ToLowerInvariant() is "week" or "month" ? every.Trim().ToLowerInvariant()
            : throw new Storage.Hosting.FieldValidationException("period", $"'{every}' is not a period of reports; use week or month.");
        var now = time.GetUtcNow().UtcDateTime;
        var report = (await store.ListReportsAsync(property.Id, cancellationToken)).FirstOrDefault(r => r.Every == period && string.Equals(r.Email, address, StringComparison.OrdinalIgnoreCase));
        var delivery = await store.AddSendingAsync(property.Id, $"manual:{Guid.NewGuid():N}", now, "email", address, Scheduler.Subject(period, now, property), Scheduler.Facts(report, now, property, period),
            TimeSpan.FromMinutes(10), cancellationToken);
        return await DeliverAsync(delivery, cancellationToken);
    }

    private const string Gone = "the report was removed (unsubscribed) before it was sent";

    private async Task<string?> SendAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        var property = await properties.FindAsync(delivery.PropertyId, cancellationToken) ?? throw new InvalidOperationException("the property was deleted");
        var facts = JsonNode.Parse(delivery.Facts)!.AsObject();
        string? unsubscribe = null;
        RenderedMail mail;
        if ((string?)facts["type"] == "report")
        {
            if ((string?)facts["token"] is { } token)
            {
                if (await store.FindByUnsubscribeTokenAsync(token, cancellationToken) is null)
                {
                    return Gone;
                }

                unsubscribe = publicUrl.Link("/unsubscribe?token=" + Uri.EscapeDataString(token));
            }

            mail = await reports.RenderAsync(property, (string)facts["every"]!, Day(facts["first"]), Day(facts["last"]), unsubscribe, cancellationToken);
        }
        else
        {
            mail = Alert(property, facts);
        }

        if (delivery.Channel == "email")
        {
            return await mailer.SendAsync(delivery.Target, mail.Subject, mail.Text, mail.Html, $"delivery {delivery.Id} ({delivery.Source})", cancellationToken,
                messageId: $"delivery-{delivery.Id}@{publicUrl.Host}", unsubscribe: unsubscribe?.Replace("/unsubscribe?", "/unsubscribe/one-click?", StringComparison.Ordinal));
        }

        var payload = new JsonObject
        {
            ["text"] = mail.Text,
            ["subject"] = mail.Subject,
            ["property"] = property.Domain,
            ["dashboard"] = publicUrl.Link($"/properties/{Uri.EscapeDataString(property.Domain)}"),
        };
        foreach (var (key, value) in facts)
        {
            payload[key] = value?.DeepClone();
        }

        using var response = await clients.CreateClient(WebhookClient).PostAsJsonAsync(delivery.Target, payload, cancellationToken);
        return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase} from the webhook";
    }

    private static LocalDate Day(JsonNode? node) => NodaTime.Text.LocalDatePattern.Iso.Parse((string)node!).Value;

    /// <summary>An alert as a mail (and, its text, a webhook's message).</summary>
    private RenderedMail Alert(Property property, JsonObject facts)
    {
        var dashboard = publicUrl.Link($"/properties/{Uri.EscapeDataString(property.Domain)}");
        var visitors = (double)facts["visitors"]!;
        var threshold = (int)facts["threshold"]!;
        string subject, text;
        if ((string?)facts["kind"] == "spike")
        {
            subject = $"Traffic spike on {property.Domain}: {Format.Count(visitors)} current visitors";
            text = $"{property.Domain} has {Format.Count(visitors)} current visitors (in the last 5 minutes), more than your alert's {threshold.ToString(Culture)}.";
        }
        else
        {
            var day = Day(facts["day"]).ToString("ddd d MMM yyyy", Culture);
            var usual = (double)facts["usual"]!;
            subject = $"Traffic drop on {property.Domain}: {Format.Count(visitors)} visitors on {day}";
            text = $"{property.Domain} had {Format.Count(visitors)} visitors on {day}, {Math.Round(100 * visitors / usual).ToString(Culture)}% of a usual day " +
                $"({Format.Count(Math.Round(usual))}: the average of the 28 days before), below your alert's {threshold.ToString(Culture)}%.";
        }

        text += $"\n\nThe dashboard: {dashboard}";
        var html = $"""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{WebUtility.HtmlEncode(subject)}</title></head>
            <body style="margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1f2937">
            <div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">
            <h1 style="margin:0 0 12px 0;font-size:18px">{WebUtility.HtmlEncode(subject)}</h1>
            <p style="margin:0 0 16px 0;font-size:14px;line-height:20px">{WebUtility.HtmlEncode(text[..text.IndexOf("\n\n", StringComparison.Ordinal)])}</p>
            <a href="{WebUtility.HtmlEncode(dashboard)}" style="display:inline-block;background:#4f46e5;color:#ffffff;text-decoration:none;padding:10px 16px;border-radius:6px;font-size:14px">Open the dashboard</a>
            <p style="margin:16px 0 0 0;font-size:12px;color:#6b7280">Change or remove this alert in the property's settings.</p>
            </div></body></html>
            """;
        return new RenderedMail(subject, text, html);
    }
}
