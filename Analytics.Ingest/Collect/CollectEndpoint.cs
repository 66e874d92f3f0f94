using System.Net;
using Analytics.Storage.ApiKeys;
using Analytics.Storage.Hosting;
using System.Buffers;
using Analytics.Ingest.Events;
using Analytics.Ingest.Sessions;
using Analytics.Ingest.Spool;
using Analytics.Ingest.Visitors;
using Microsoft.AspNetCore.Http;
using Analytics.ServiceDefaults;

namespace Analytics.Ingest.Collect;

/// <summary>
/// <c>POST /api/event</c>. 202 once every event of the request is on disk; 400 naming each bad field; 413 above 16 KiB;
/// 429 with Retry-After above a client address's or a property's rate limit; 503 with Retry-After when the spool or
/// disk is full (nothing acknowledged that was not kept). Events dropped on purpose (bots, referrer spam, hostnames a
/// property does not allow, its shields...) still answer 202, with <c>X-Analytics-Dropped</c> naming the reason, and are counted
/// per reason. A backend that sends its visitors' events presents an API key with the events scope
/// (<c>Authorization: Bearer</c>): the visitor is then the first address of its X-Forwarded-For and its User-Agent,
/// and the rate is limited per key instead of per sending address (401 for an unknown key, 403 for a key without the
/// scope or a property outside it).
/// </summary>
internal sealed class CollectEndpoint(
    EventEnricher enricher,
    PropertyDirectory properties,
    VisitorIds visitors,
    SessionAssigner sessions,
    EventSpool spool,
    ClientAddress clientAddress,
    EventKeys keys,
    CollectLimits limits,
    Enrichment.SpamReferrers spam,
    IngestMetrics metrics,
    DropCounters drops,
    TimeProvider clock)
{
    public async Task<IResult> HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        AllowAnyOrigin(context.Response);
        var ip = clientAddress.Resolve(context);
        EventKeys.Sender? sender = null;
        if (BearerToken.Of(context) is { } token)
        {
            // A token not seen in the last minute costs a PostgreSQL query: the sending address's limit comes first for those.
            sender = keys.Known(token);
            if (sender is null && limits.RetryAfter(ip) is { } unknownWait)
            {
                return TooMany(context, unknownWait, "this address");
            }

            sender ??= await keys.FindAsync(token, cancellationToken);
            if (sender is null)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"analytics\", error=\"invalid_token\"";
                return ErrorProblem.Of(StatusCodes.Status401Unauthorized, "Invalid API key", "The API key is unknown or revoked.");
            }

            if (!sender.Key.Allows(ApiKey.Events))
            {
                return ErrorProblem.Of(StatusCodes.Status403Forbidden, "API key not for events", $"This API key may not send events (it may: {sender.Key.Scopes}); create one with the {ApiKey.Events} scope.");
            }

            if (limits.RetryAfterForKey(sender.Key.Id) is { } keyWait)
            {
                return TooMany(context, keyWait, "this API key");
            }

            var forwarded = context.Request.Headers["X-Forwarded-For"].ToString();
            if (forwarded.Length > 0)
            {
                if (!IPAddress.TryParse(forwarded.Split(',')[0].Trim(), out var visitor))
                {
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["X-Forwarded-For"] = ["must start with the visitor's IP address"] }, title: "The event has invalid fields");
                }

                ip = visitor.IsIPv4MappedToIPv6 ? visitor.MapToIPv4() : visitor;
            }
        }
        else if (limits.RetryAfter(ip) is { } wait)
        {
            return TooMany(context, wait, "this address");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(CollectOptions.MaxBodyBytes + 1);
        CollectRequest? request;
        Dictionary<string, string[]> errors;
        try
        {
            var length = await ReadBodyAsync(context.Request, buffer, cancellationToken);
            if (length > CollectOptions.MaxBodyBytes)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Event too large",
                    detail: $"An event body may be at most {CollectOptions.MaxBodyBytes} bytes.");
            }

            request = CollectRequestParser.Parse(buffer.AsSpan(0, length), out errors);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (request is null)
        {
            metrics.RecordDropped("invalid");
            return TypedResults.ValidationProblem(errors, title: "The event has invalid fields");
        }

        if (sender is not null)
        {
            foreach (var domain in request.Domains)
            {
                if (await properties.FindAsync(domain, cancellationToken) is not { } named || !sender.Properties.Contains(named.Id))
                {
                    return ErrorProblem.Of(StatusCodes.Status403Forbidden, "Property outside the API key's scope", $"domain: this API key may not send events for '{domain}'.");
                }
            }
        }

        if (request.Ignored is { } ignored)
        {
            return await DroppedAsync(context, request, ignored, cancellationToken);
        }

        var userAgent = context.Request.Headers.UserAgent.ToString();
        var agent = enricher.ParseUserAgent(userAgent);
        if (agent.IsBot)
        {
            return await DroppedAsync(context, request, "bot", cancellationToken);
        }

        if (spam.IsSpam(request.Referrer))
        {
            return await DroppedAsync(context, request, "spam-referrer", cancellationToken);
        }

        var acceptLanguage = context.Request.Headers.AcceptLanguage.ToString();
        var optedOut = context.Request.Headers["DNT"] == "1" || context.Request.Headers["Sec-GPC"] == "1";
        var now = clock.GetUtcNow().UtcDateTime;
        var writes = new List<Task>(request.Domains.Count);
        string? dropped = null;
        int? limited = null;
        try
        {
            foreach (var domain in request.Domains)
            {
                var property = await properties.FindAsync(domain, cancellationToken);
                if (property is null)
                {
                    dropped = "unknown-property";
                    continue;
                }

                if (!property.AllowsHostname(request.Url.Host))
                {
                    dropped = "hostname-not-allowed";
                    drops.Count(property.Id, dropped, request.Url.Host);
                    continue;
                }

                if (property.HonorDoNotTrack && optedOut)
                {
                    dropped = "do-not-track";
                    drops.Count(property.Id, dropped);
                    continue;
                }

                if (property.Shields.Address(ip) is { } range)
                {
                    dropped = "excluded-ip";
                    drops.Count(property.Id, dropped, range); // the owner's rule, never the visitor's address
                    continue;
                }

                if (limits.RetryAfter(property.Id) is { } after)
                {
                    limited = after;
                    continue;
                }

                var visitor = await visitors.ComputeAsync(property.Id, ip?.ToString() ?? string.Empty, userAgent, cancellationToken);
                var row = enricher.Enrich(request, property, agent, ip, acceptLanguage, now, visitor.Current);
                if (Shielded(property, row) is { } shield)
                {
                    dropped = shield.Reason;
                    drops.Count(property.Id, dropped, shield.Rule);
                    continue;
                }

                var write = sessions.Assign(row, visitor, assigned => spool.AppendAsync(EventRowBinary.EncodeRow(assigned)));
                if (write is null)
                {
                    dropped = "no-session"; // an engagement event after its session ended
                    drops.Count(property.Id, dropped);
                    continue;
                }

                writes.Add(write);
            }

            await Task.WhenAll(writes);
        }
        catch (SpoolFullException e)
        {
            metrics.RecordRefusedFull();
            context.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not accepting events right now", detail: e.Message);
        }

        metrics.RecordAccepted(writes.Count);
        if (writes.Count == 0 && limited is { } seconds)
        {
            return TooMany(context, seconds, "this property");
        }

        return writes.Count == 0 && dropped is not null ? Dropped(context, dropped) : TypedResults.Text("ok", "text/plain", statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>The page or country shield an enriched event falls under, if any.</summary>
    private static (string Reason, string Rule)? Shielded(Storage.Properties.Property property, EventRow row)
    {
        if (property.Shields.IsEmpty)
        {
            return null;
        }

        return property.Shields.Page(row.Pathname) is { } page ? ("excluded-page", page)
            : property.Shields.Country(row.CountryCode) is { } country ? ("excluded-country", country)
            : null;
    }

    private Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult TooMany(HttpContext context, int retryAfter, string who)
    {
        metrics.RecordRateLimited();
        context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many events",
            detail: $"The rate limit of {who} is reached; retry after {retryAfter} s.");
    }

    /// <summary>The CORS preflight: any origin, no credentials.</summary>
    public static IResult Preflight(HttpContext context)
    {
        AllowAnyOrigin(context.Response);
        context.Response.Headers.AccessControlAllowMethods = "POST, OPTIONS";
        context.Response.Headers.AccessControlAllowHeaders = "Content-Type";
        context.Response.Headers.AccessControlMaxAge = "86400";
        return TypedResults.NoContent();
    }

    /// <summary>Drops the whole request, counted for each property it names.</summary>
    private async Task<IResult> DroppedAsync(HttpContext context, CollectRequest request, string reason, CancellationToken cancellationToken)
    {
        foreach (var domain in request.Domains)
        {
            if (await properties.FindAsync(domain, cancellationToken) is { } property)
            {
                drops.Count(property.Id, reason);
            }
        }

        return Dropped(context, reason);
    }

    private Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Dropped(HttpContext context, string reason)
    {
        metrics.RecordDropped(reason);
        context.Response.Headers[CollectResponse.DroppedHeader] = reason;
        return TypedResults.Text("ok", "text/plain", statusCode: StatusCodes.Status202Accepted);
    }

    private static void AllowAnyOrigin(HttpResponse response)
    {
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.AccessControlExposeHeaders = CollectResponse.DroppedHeader;
    }

    /// <summary>Reads the body into a pooled buffer; a length past the limit means too large (read no further than one byte past it).</summary>
    private static async Task<int> ReadBodyAsync(HttpRequest request, byte[] buffer, CancellationToken cancellationToken)
    {
        const int TooLarge = CollectOptions.MaxBodyBytes + 1;
        if (request.ContentLength > CollectOptions.MaxBodyBytes)
        {
            return TooLarge;
        }

        var total = 0;
        int read;
        while (total < TooLarge && (read = await request.Body.ReadAsync(buffer.AsMemory(total, TooLarge - total), cancellationToken)) > 0)
        {
            total += read;
        }

        return total;
    }
}
