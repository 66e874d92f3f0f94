using Analytics.Storage.Hosting;
using Dapper;
using Npgsql;

namespace Analytics.Storage.Notifications;

/// <summary>An email report of a property to one recipient, every week or month (<see cref="Every"/>: week, month).</summary>
public sealed record EmailReport(long Id, long PropertyId, string Email, string Every, string UnsubscribeToken, DateTime CreatedAt);

/// <summary>
/// A traffic alert: <see cref="Kind"/> spike (more than <see cref="Threshold"/> current visitors) or drop (a day's
/// visitors below <see cref="Threshold"/> percent of the usual), to an email address or a webhook, at most once per
/// <see cref="QuietHours"/>.
/// </summary>
public sealed record TrafficAlert(long Id, long PropertyId, string Kind, int Threshold, string? Email, string? WebhookUrl, int QuietHours, DateTime? LastFiredAt, DateTime CreatedAt)
{
    public string Channel => Email is null ? "webhook" : "email";

    public string Target => Email ?? WebhookUrl!;
}

/// <summary>
/// One message to send: a report for its occasion (the scheduled time) or an alert as it fired, with the
/// <see cref="Facts"/> (JSON) it is rendered from, so a retry sends the same message. <see cref="State"/>: pending,
/// sending, sent or failed.
/// </summary>
public sealed record Delivery(long Id, long PropertyId, string Source, DateTime Occasion, string Channel, string Target, string Subject, string Facts,
    string State, int Attempts, DateTime NextAttemptAt, string? LastError, DateTime CreatedAt, DateTime? SentAt);

/// <summary>
/// Email reports, traffic alerts and their deliveries in PostgreSQL. A delivery is unique per source and occasion
/// (<c>report:ID</c> at its scheduled time, <c>alert:ID</c> when it fired), so whoever plans it twice makes one.
/// </summary>
public sealed class NotificationStore(NpgsqlDataSource dataSource)
{
    private const string ReportColumns = "id AS Id, property_id AS PropertyId, email AS Email, every AS Every, unsubscribe_token AS UnsubscribeToken, created_at AS CreatedAt";

    private const string AlertColumns = "id AS Id, property_id AS PropertyId, kind AS Kind, threshold AS Threshold, email AS Email, webhook_url AS WebhookUrl, quiet_hours AS QuietHours, last_fired_at AS LastFiredAt, created_at AS CreatedAt";

    private const string DeliveryColumns = "id AS Id, property_id AS PropertyId, source AS Source, occasion AS Occasion, channel AS Channel, target AS Target, subject AS Subject, facts::text AS Facts, " +
        "state AS State, attempts AS Attempts, next_attempt_at AS NextAttemptAt, last_error AS LastError, created_at AS CreatedAt, sent_at AS SentAt";

    /// <summary>The most reports and alerts a property can have (each).</summary>
    public const int MaxPerProperty = 100;

    /// <summary>Adds a report (or gives the one that exists for this address and period).</summary>
    public async Task<EmailReport> AddReportAsync(long propertyId, string email, string every, CancellationToken cancellationToken)
    {
        var address = EmailAddress.Check(email, "email");
        var period = every?.Trim().ToLowerInvariant() is "week" or "month" ? every.Trim().ToLowerInvariant()
            : throw new FieldValidationException("every", $"'{every}' is not a period of reports; use week or month.");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await connection.QuerySingleOrDefaultAsync<EmailReport>(new CommandDefinition(
            $"SELECT {ReportColumns} FROM email_reports WHERE property_id = @propertyId AND lower(email) = lower(@address) AND every = @period",
            new { propertyId, address, period }, cancellationToken: cancellationToken)) is { } existing)
        {
            return existing;
        }

        await Limit(connection, "email_reports", propertyId, "email", cancellationToken);
        return await connection.QuerySingleAsync<EmailReport>(new CommandDefinition(
            $"INSERT INTO email_reports (property_id, email, every, unsubscribe_token) VALUES (@propertyId, @address, @period, @token) RETURNING {ReportColumns}",
            new { propertyId, address, period, token = Secrets.New("uns_") }, cancellationToken: cancellationToken));
    }

    /// <summary>A property's reports (null: every property's, for the scheduler), by address.</summary>
    public async Task<IReadOnlyList<EmailReport>> ListReportsAsync(long? propertyId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<EmailReport>(new CommandDefinition(
            $"SELECT {ReportColumns} FROM email_reports WHERE @propertyId::bigint IS NULL OR property_id = @propertyId ORDER BY lower(email), every, id",
            new { propertyId }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<bool> DeleteReportAsync(long propertyId, long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM email_reports WHERE property_id = @propertyId AND id = @id", new { propertyId, id }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>The report an unsubscribe link names, with its property's domain; null when there is none (any more).</summary>
    public async Task<(EmailReport Report, string Domain)?> FindByUnsubscribeTokenAsync(string token, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var found = await connection.QueryAsync<EmailReport, string, (EmailReport, string)>(new CommandDefinition(
            "SELECT r.id AS Id, r.property_id AS PropertyId, r.email AS Email, r.every AS Every, r.unsubscribe_token AS UnsubscribeToken, r.created_at AS CreatedAt, p.domain AS Domain " +
            "FROM email_reports r JOIN properties p ON p.id = r.property_id WHERE r.unsubscribe_token = @token",
            new { token = token ?? string.Empty }, cancellationToken: cancellationToken), (report, domain) => (report, domain), splitOn: "Domain");
        return found.Select(f => ((EmailReport, string)?)f).SingleOrDefault();
    }

    /// <summary>Stops the report an unsubscribe link names; false when there was none.</summary>
    public async Task<bool> UnsubscribeAsync(string token, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM email_reports WHERE unsubscribe_token = @token", new { token = token ?? string.Empty }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>
    /// Adds an alert: <paramref name="kind"/> spike (<paramref name="threshold"/>: current visitors) or drop
    /// (<paramref name="threshold"/>: percent of the usual day, 1-99), to an address or a webhook (http or https).
    /// </summary>
    public async Task<TrafficAlert> AddAlertAsync(long propertyId, string kind, int threshold, string? email, string? webhookUrl, int quietHours, CancellationToken cancellationToken)
    {
        var type = kind?.Trim().ToLowerInvariant() is "spike" or "drop" ? kind.Trim().ToLowerInvariant()
            : throw new FieldValidationException("kind", $"'{kind}' is not a kind of alert; use spike or drop.");
        if (type == "spike" ? threshold is < 1 or > 10_000_000 : threshold is < 1 or > 99)
        {
            throw new FieldValidationException("threshold", type == "spike"
                ? $"{threshold} is not a number of current visitors (1 or more)."
                : $"{threshold} is not a share of the usual day's visitors in percent (1 to 99).");
        }

        if (quietHours is < 1 or > 720)
        {
            throw new FieldValidationException("quiet_hours", $"{quietHours} is not a number of hours from 1 to 720.");
        }

        if ((string.IsNullOrWhiteSpace(email) ? 0 : 1) + (string.IsNullOrWhiteSpace(webhookUrl) ? 0 : 1) != 1)
        {
            throw new FieldValidationException("email", "give either an email address or a webhook URL to send the alert to.");
        }

        var address = string.IsNullOrWhiteSpace(email) ? null : EmailAddress.Check(email, "email");
        var url = string.IsNullOrWhiteSpace(webhookUrl) ? null
            : Uri.TryCreate(webhookUrl.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && webhookUrl.Trim().Length <= 2000 ? uri.ToString()
            : throw new FieldValidationException("webhook_url", $"'{webhookUrl}' is not an http or https address.");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Limit(connection, "traffic_alerts", propertyId, "kind", cancellationToken);
        return await connection.QuerySingleAsync<TrafficAlert>(new CommandDefinition(
            $"INSERT INTO traffic_alerts (property_id, kind, threshold, email, webhook_url, quiet_hours) VALUES (@propertyId, @type, @threshold, @address, @url, @quietHours) RETURNING {AlertColumns}",
            new { propertyId, type, threshold, address, url, quietHours }, cancellationToken: cancellationToken));
    }

    /// <summary>A property's alerts (null: every property's, for the scheduler).</summary>
    public async Task<IReadOnlyList<TrafficAlert>> ListAlertsAsync(long? propertyId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<TrafficAlert>(new CommandDefinition(
            $"SELECT {AlertColumns} FROM traffic_alerts WHERE @propertyId::bigint IS NULL OR property_id = @propertyId ORDER BY id",
            new { propertyId }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<bool> DeleteAlertAsync(long propertyId, long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM traffic_alerts WHERE property_id = @propertyId AND id = @id", new { propertyId, id }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>
    /// Fires an alert at <paramref name="occasion"/> unless it fired within its quiet hours: records the firing and
    /// plans its delivery in one transaction. True when it fired.
    /// </summary>
    public async Task<bool> FireAlertAsync(TrafficAlert alert, DateTime occasion, string subject, string facts, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var fired = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE traffic_alerts SET last_fired_at = @occasion
            WHERE id = @id AND (last_fired_at IS NULL OR last_fired_at <= @occasion - make_interval(hours => quiet_hours))
            """, new { id = alert.Id, occasion }, transaction, cancellationToken: cancellationToken)) > 0;
        if (fired)
        {
            await EnqueueAsync(connection, transaction, alert.PropertyId, $"alert:{alert.Id}", occasion, alert.Channel, alert.Target, subject, facts, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return fired;
    }

    /// <summary>Plans a delivery; false when this source's occasion is planned already (by this runner before, or another).</summary>
    public async Task<bool> EnqueueAsync(long propertyId, string source, DateTime occasion, string channel, string target, string subject, string facts, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await EnqueueAsync(connection, null, propertyId, source, occasion, channel, target, subject, facts, cancellationToken);
    }

    private static async Task<bool> EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long propertyId, string source, DateTime occasion, string channel, string target, string subject, string facts, CancellationToken cancellationToken)
        => await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO deliveries (property_id, source, occasion, channel, target, subject, facts)
            VALUES (@propertyId, @source, @occasion, @channel, @target, @subject, @facts::jsonb) ON CONFLICT (source, occasion) DO NOTHING
            """, new { propertyId, source, occasion, channel, target, subject, facts }, transaction, cancellationToken: cancellationToken)) > 0;

    /// <summary>Adds a delivery that is being sent now (a report sent on request), as claimed by its sender.</summary>
    public async Task<Delivery> AddSendingAsync(long propertyId, string source, DateTime occasion, string channel, string target, string subject, string facts, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<Delivery>(new CommandDefinition(
            $"""
            INSERT INTO deliveries (property_id, source, occasion, channel, target, subject, facts, state, attempts, next_attempt_at)
            VALUES (@propertyId, @source, @occasion, @channel, @target, @subject, @facts::jsonb, 'sending', 1, now() + @lease)
            RETURNING {DeliveryColumns}
            """, new { propertyId, source, occasion, channel, target, subject, facts, lease }, cancellationToken: cancellationToken));
    }

    /// <summary>Deliveries a runner that stopped was sending go back to the queue (called by the one runner as it starts).</summary>
    public async Task<int> RequeueInterruptedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE deliveries SET state = 'pending', next_attempt_at = now() WHERE state = 'sending'", cancellationToken: cancellationToken));
    }

    /// <summary>Takes up to <paramref name="limit"/> due deliveries, oldest first, marking each as being sent (an attempt).</summary>
    public async Task<IReadOnlyList<Delivery>> ClaimAsync(int limit, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Delivery>(new CommandDefinition(
            $"""
            UPDATE deliveries SET state = 'sending', attempts = attempts + 1, next_attempt_at = now() + @lease
            WHERE id IN (SELECT id FROM deliveries WHERE state IN ('pending', 'sending') AND next_attempt_at <= now()
                         ORDER BY next_attempt_at, id LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING {DeliveryColumns}
            """, new { limit, lease }, cancellationToken: cancellationToken))).OrderBy(d => d.Id).ToList();
    }

    public async Task SentAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE deliveries SET state = 'sent', sent_at = now(), last_error = NULL WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>Records a failed attempt: tried again after <paramref name="retryAfter"/>, or given up (null).</summary>
    public async Task FailedAsync(long id, string error, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE deliveries SET state = CASE WHEN @retry THEN 'pending' ELSE 'failed' END, next_attempt_at = now() + @delay, last_error = @error WHERE id = @id",
            new { id, retry = retryAfter is not null, delay = retryAfter ?? TimeSpan.Zero, error = error.Length > 500 ? error[..500] : error }, cancellationToken: cancellationToken));
    }

    /// <summary>The property's delivery log, newest first.</summary>
    public async Task<IReadOnlyList<Delivery>> DeliveriesAsync(long propertyId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Delivery>(new CommandDefinition(
            $"SELECT {DeliveryColumns} FROM deliveries WHERE property_id = @propertyId ORDER BY created_at DESC, id DESC LIMIT @limit",
            new { propertyId, limit }, cancellationToken: cancellationToken))).AsList();
    }

    private static async Task Limit(NpgsqlConnection connection, string table, long propertyId, string field, CancellationToken cancellationToken)
    {
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT count(*) FROM {table} WHERE property_id = @propertyId", new { propertyId }, cancellationToken: cancellationToken)) >= MaxPerProperty)
        {
            throw new FieldValidationException(field, $"a property has at most {MaxPerProperty} of these; delete one first.");
        }
    }
}
