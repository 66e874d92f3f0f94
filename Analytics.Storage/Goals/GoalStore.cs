using System.Text.Json;
using Analytics.Storage.Hosting;
using Dapper;
using Npgsql;

namespace Analytics.Storage.Goals;

/// <summary>Goals in PostgreSQL. Bad input throws <see cref="FieldValidationException"/> naming the field.</summary>
public sealed class GoalStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id AS Id, property_id AS PropertyId, display_name AS DisplayName, event_name AS EventName, page_path AS PagePath, "
        + "scroll_threshold AS ScrollThreshold, currency AS Currency, custom_props::text AS CustomPropsJson, created_at AS CreatedAt";

    /// <summary>
    /// The currencies of ISO 4217's list of current codes (2025; without the test, fund and precious-metal codes): a
    /// revenue goal names one. (The server runs without culture data, so .NET's regions cannot be asked.)
    /// </summary>
    private static readonly HashSet<string> Currencies = """
        AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP
        CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR
        ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT
        MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD
        SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES
        VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

    /// <summary>Adds a goal; the same target again (event and props, or page and scroll share) is refused naming it.</summary>
    public async Task<Goal> AddAsync(long propertyId, GoalDefinition definition, CancellationToken cancellationToken)
    {
        var (eventName, pagePath, scroll, name, currency, props) = Validate(definition);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return await connection.QuerySingleAsync<Goal>(new CommandDefinition(
                $"""
                INSERT INTO goals (property_id, display_name, event_name, page_path, scroll_threshold, currency, custom_props)
                VALUES (@propertyId, @name, @eventName, @pagePath, @scroll, @currency, @props::jsonb)
                RETURNING {Columns}
                """,
                new { propertyId, name, eventName, pagePath, scroll, currency, props }, cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Both the target and the name may be taken (an event goal is named after its event): the target is the news.
            var taken = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                """
                SELECT EXISTS (SELECT 1 FROM goals WHERE property_id = @propertyId AND coalesce(event_name, '') = coalesce(@eventName, '')
                    AND coalesce(page_path, '') = coalesce(@pagePath, '') AND coalesce(scroll_threshold, 0) = coalesce(@scroll, 0) AND custom_props = @props::jsonb)
                """,
                new { propertyId, eventName, pagePath, scroll, props }, cancellationToken: cancellationToken));
            throw taken
                ? new FieldValidationException(eventName is null ? "page" : "event", "the property already has a goal for that; see 'goals list'.")
                : new FieldValidationException("name", $"the property already has a goal named '{name}'.");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new FieldValidationException("property", $"there is no property {propertyId}.");
        }
    }

    /// <summary>The property's goal for the same target (event and props, or page and scroll share), else a new one; and whether it was made now.</summary>
    public async Task<(Goal Goal, bool Created)> FindOrAddAsync(long propertyId, GoalDefinition definition, CancellationToken cancellationToken)
    {
        var (eventName, pagePath, scroll, _, _, props) = Validate(definition);
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            var existing = await connection.QuerySingleOrDefaultAsync<Goal>(new CommandDefinition(
                $"""
                SELECT {Columns} FROM goals WHERE property_id = @propertyId AND coalesce(event_name, '') = coalesce(@eventName, '')
                    AND coalesce(page_path, '') = coalesce(@pagePath, '') AND coalesce(scroll_threshold, 0) = coalesce(@scroll, 0) AND custom_props = @props::jsonb
                """,
                new { propertyId, eventName, pagePath, scroll, props }, cancellationToken: cancellationToken));
            if (existing is not null)
            {
                return (existing, false);
            }
        }

        return (await AddAsync(propertyId, definition, cancellationToken), true);
    }

    /// <summary>A property's goals, by display name.</summary>
    public async Task<IReadOnlyList<Goal>> ListAsync(long propertyId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Goal>(new CommandDefinition(
            $"SELECT {Columns} FROM goals WHERE property_id = @propertyId ORDER BY display_name", new { propertyId }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Deletes a goal of the property, and the funnels it is a step of; false when it has no such goal.</summary>
    public async Task<bool> DeleteAsync(long propertyId, long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            WITH gone AS (DELETE FROM goals WHERE id = @id AND property_id = @propertyId RETURNING id)
            , funnels_gone AS (DELETE FROM funnels WHERE id IN (SELECT funnel_id FROM funnel_steps WHERE goal_id IN (SELECT id FROM gone)))
            SELECT count(*) FROM gone
            """, new { id, propertyId }, cancellationToken: cancellationToken)) > 0;
    }

    private static (string? EventName, string? PagePath, short? Scroll, string Name, string? Currency, string Props) Validate(GoalDefinition goal)
    {
        var eventName = string.IsNullOrWhiteSpace(goal.EventName) ? null : goal.EventName.Trim();
        var pagePath = string.IsNullOrWhiteSpace(goal.PagePath) ? null : goal.PagePath.Trim();
        if ((eventName is null) == (pagePath is null))
        {
            throw new FieldValidationException("event", "a goal is a custom event or a page: give one of them (--event NAME, --page PATTERN or --scroll PATTERN:PERCENT).");
        }

        if (eventName is { Length: > 120 })
        {
            throw new FieldValidationException("event", "an event name has at most 120 characters, as collect takes them.");
        }

        if (pagePath is not null && (!pagePath.StartsWith('/') || pagePath.Length > 2_000))
        {
            throw new FieldValidationException("page", $"'{pagePath}' is not a path pattern: it starts with '/' (wildcards: * within a segment, ** across), at most 2,000 characters.");
        }

        if (goal.ScrollThreshold is { } threshold && (pagePath is null || threshold is < 1 or > 100))
        {
            throw new FieldValidationException("scroll", "a scroll goal is a page pattern and a percentage from 1 to 100, e.g. /blog/**:75.");
        }

        var currency = string.IsNullOrWhiteSpace(goal.Currency) ? null : goal.Currency.Trim().ToUpperInvariant();
        if (currency is not null && (eventName is null || !Currencies.Contains(currency)))
        {
            throw new FieldValidationException("currency", eventName is null
                ? "only a custom event goal can be a revenue goal."
                : $"'{goal.Currency}' is not an ISO 4217 currency code, e.g. EUR or USD.");
        }

        var props = goal.CustomProps ?? new Dictionary<string, string>();
        if (props.Count > 0 && eventName is null)
        {
            throw new FieldValidationException("props", "only a custom event goal can ask for custom property values.");
        }

        if (props.Keys.FirstOrDefault(k => string.IsNullOrWhiteSpace(k) || k.Length > 300) is { } key)
        {
            throw new FieldValidationException("props", $"'{key}' is not a property key (1 to 300 characters).");
        }

        var name = string.IsNullOrWhiteSpace(goal.DisplayName)
            ? eventName ?? (goal.ScrollThreshold is { } share ? $"Scroll {share}% on {pagePath}" : $"Visit {pagePath}")
            : goal.DisplayName.Trim();
        if (name.Length > 120)
        {
            throw new FieldValidationException("name", "a goal's name has at most 120 characters.");
        }

        return (eventName, pagePath, (short?)goal.ScrollThreshold, name, currency,
            JsonSerializer.Serialize(new SortedDictionary<string, string>(props.ToDictionary(), StringComparer.Ordinal)));
    }
}
