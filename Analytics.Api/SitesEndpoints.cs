using System.Text.Json;
using System.Text.Json.Nodes;
using Analytics.ServiceDefaults;
using Analytics.Storage.ApiKeys;
using Analytics.Storage.Funnels;
using Analytics.Storage.Goals;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Api;

/// <summary>
/// Plausible's Sites API, with its request and response shapes, for keys with the <c>sites</c> scope: create, list,
/// read, update (time zone) and delete sites (our properties); find or create a goal, list a site's goals, delete one;
/// find or create a shared link; and funnels in the same style (Plausible's API has none).
/// Parameters come as JSON or as a form, as Plausible takes them.
/// </summary>
internal static class SitesEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints, Action<RouteGroupBuilder> secure)
    {
        var sites = endpoints.MapGroup("/api/v1/sites").WithTags("Plausible Sites API");
        secure(sites);
        sites.MapPost(string.Empty, CreateSiteAsync).WithName("PlausibleCreateSite")
            .WithSummary("Creates a site (Plausible's Sites API).")
            .WithDescription("Parameters (JSON or form): `domain`, optionally `timezone` (IANA, default Etc/UTC). Answers `{\"domain\": ..., \"timezone\": ..., \"id\": ...}`. Needs a key with the `sites` scope that reaches all of its owner's properties; the site belongs to the key's owner.");
        sites.MapGet(string.Empty, ListSitesAsync).WithName("PlausibleListSites")
            .WithSummary("Lists the sites the key reaches (Plausible's Sites API).")
            .WithDescription("Answers `{\"sites\": [{\"domain\": ..., \"timezone\": ...}], \"meta\": {...}}`. Needs a key with the `sites` scope.");
        sites.MapGet("/{siteId}", GetSiteAsync).WithName("PlausibleGetSite")
            .WithSummary("A site's settings (Plausible's Sites API).")
            .WithDescription("`siteId`: the domain. Answers `{\"domain\": ..., \"timezone\": ..., \"custom_properties\": []}`. Needs a key with the `sites` scope.");
        sites.MapPut("/{siteId}", UpdateSiteAsync).WithName("PlausibleUpdateSite")
            .WithSummary("Changes a site's time zone (Plausible's Sites API, and ours).")
            .WithDescription("`siteId`: the domain. Parameters (JSON or form): `timezone` (IANA); reports follow at once. A new `domain` is refused (add a new site). Needs a key with the `sites` scope whose owner is an admin of the site.");
        sites.MapDelete("/{siteId}", DeleteSiteAsync).WithName("PlausibleDeleteSite")
            .WithSummary("Deletes a site and all of its data (Plausible's Sites API).")
            .WithDescription("`siteId`: the domain. Deletes the property, its goals, funnels and every event and rollup row; answers `{\"deleted\": true}`. Needs a key with the `sites` scope whose owner owns the site.");
        sites.MapGet("/guests", ListGuestsAsync).WithName("PlausibleListGuests")
            .WithSummary("Lists a site's members and open invitations (Plausible's Sites API).")
            .WithDescription("`site_id`: the domain. Answers `{\"guests\": [{\"email\": ..., \"role\": ..., \"status\": \"accepted\" | \"invited\"}], \"meta\": {...}}` (the owner is not a guest). Needs a key with the `sites` scope whose owner is an admin of the site.");
        sites.MapPut("/guests", PutGuestAsync).WithName("PlausiblePutGuest")
            .WithSummary("Invites a guest, or finds the member or invitation (Plausible's Sites API).")
            .WithDescription("Parameters (JSON or form): `site_id` (the domain), `email`, `role` (`viewer` or `editor`; ours also `admin`). An address that is a member or invited already is answered as it is, without a new mail; otherwise the invitation is mailed (without SMTP its link goes to the server's log). Answers `{\"email\": ..., \"role\": ..., \"status\": \"invited\" | \"accepted\"}`. Needs a key with the `sites` scope whose owner is an admin of the site.");
        sites.MapDelete("/guests/{email}", DeleteGuestAsync).WithName("PlausibleDeleteGuest")
            .WithSummary("Removes a guest or withdraws their invitation (Plausible's Sites API).")
            .WithDescription("`site_id` (query, JSON or form): the domain. Removes the member or open invitation with this address, never the owner; answers `{\"deleted\": true}` whether or not there was one. Needs a key with the `sites` scope whose owner is an admin of the site.");
        sites.MapPut("/goals", PutGoalAsync).WithName("PlausiblePutGoal")
            .WithSummary("Finds or creates a goal (Plausible's Sites API).")
            .WithDescription("Parameters (JSON or form): `site_id` (the domain), `goal_type` (`event` or `page`), `event_name` or `page_path` (wildcards: `*` within a segment, `**` across), optionally `display_name`, `scroll_threshold` (page goals, 1-100), `currency` (event goals) and `custom_props` (JSON: an object of property values). The same goal again returns the existing one. Needs a key with the `sites` scope whose owner is an editor of the site or above.");
        sites.MapGet("/goals", ListGoalsAsync).WithName("PlausibleListGoals")
            .WithSummary("Lists a site's goals (Plausible's Sites API).")
            .WithDescription("`site_id`: the domain. Answers `{\"goals\": [...], \"meta\": {...}}`. Needs a key with the `sites` scope.");
        sites.MapDelete("/goals/{goalId}", DeleteGoalAsync).WithName("PlausibleDeleteGoal")
            .WithSummary("Deletes a goal (Plausible's Sites API).")
            .WithDescription("`site_id` (query, JSON or form): the domain the goal belongs to. Answers `{\"deleted\": true}`; the funnels the goal is a step of are deleted with it. Needs a key with the `sites` scope whose owner is an editor of the site or above.");
        sites.MapPut("/shared-links", PutSharedLinkAsync).WithName("PlausiblePutSharedLink")
            .WithSummary("Finds or creates a shared link (Plausible's Sites API).")
            .WithDescription("Parameters (JSON or form): `site_id` (the domain) and `name`. The link of that name, or a new one without a password, opens the site's dashboard read-only to anyone holding it. Answers `{\"name\": ..., \"url\": ...}`. Needs a key with the `sites` scope whose owner is an editor of the site or above.");
        sites.MapPut("/funnels", PutFunnelAsync).WithName("PutFunnel")
            .WithSummary("Finds or creates a funnel (ours, in the Sites API's style).")
            .WithDescription("Parameters (JSON or form): `site_id` (the domain), `name`, and `steps`: 2 to 8 goals' display names in order (a JSON array, or `steps` repeated in a form). The same name with the same steps returns the existing funnel. Answers `{\"id\": \"1\", \"name\": ..., \"steps\": [...]}`; the report is `GET /api/v1/properties/{id}/funnels/{funnelId}`. Needs a key with the `sites` scope whose owner is an editor of the site or above.");
        sites.MapDelete("/funnels/{funnelId}", DeleteFunnelAsync).WithName("DeleteFunnel")
            .WithSummary("Deletes a funnel (ours, in the Sites API's style).")
            .WithDescription("`site_id` (query, JSON or form): the domain the funnel belongs to. Answers `{\"deleted\": true}`; its goals stay. Needs a key with the `sites` scope whose owner is an editor of the site or above.");
    }

    private static async Task<IResult> CreateSiteAsync(HttpContext http, PropertyStore properties, CancellationToken cancellationToken)
    {
        var key = ApiAccess.Key(http);
        if (!key.AllProperties)
        {
            throw new ApiForbiddenException("This key reaches only some properties; a key for all of its owner's properties creates sites.");
        }

        var parameters = await ParametersAsync(http, cancellationToken);
        var domain = Text(parameters, "domain") ?? throw new FieldValidationException("domain", "name the site's domain, e.g. example.com.");
        var property = await properties.AddAsync(domain, null, Text(parameters, "timezone") ?? "Etc/UTC", key.UserId, cancellationToken);
        return TypedResults.Json(SiteShape(property));
    }

    private static async Task<IResult> ListSitesAsync(HttpContext http, ApiKeyStore keys, CancellationToken cancellationToken)
    {
        var list = (await keys.ReadablePropertiesAsync(ApiAccess.Key(http), cancellationToken)).Select(p => (JsonNode?)SiteShape(p)).ToArray();
        return TypedResults.Json(new JsonObject
        {
            ["sites"] = new JsonArray(list),
            ["meta"] = new JsonObject { ["after"] = null, ["before"] = null, ["limit"] = list.Length },
        });
    }

    private static async Task<IResult> GetSiteAsync(HttpContext http, string siteId, CancellationToken cancellationToken)
    {
        var shape = SiteShape(await ApiAccess.PropertyAsync(http, siteId, "site_id"));
        shape["custom_properties"] = new JsonArray();
        return TypedResults.Json(shape);
    }

    private static async Task<IResult> UpdateSiteAsync(HttpContext http, string siteId, PropertyStore properties, CancellationToken cancellationToken)
    {
        var property = await ApiAccess.PropertyAsync(http, siteId, "site_id", PropertyRole.Admin);
        var parameters = await ParametersAsync(http, cancellationToken);
        if (Text(parameters, "domain") is { } domain && !string.Equals(domain.Trim(), property.Domain, StringComparison.OrdinalIgnoreCase))
        {
            throw new FieldValidationException("domain", "a site's domain cannot be changed here; add a site for the new domain.");
        }

        var timezone = Text(parameters, "timezone") ?? throw new FieldValidationException("timezone", "give the site's new time zone (IANA, e.g. Europe/Berlin).");
        return TypedResults.Json(SiteShape(await properties.UpdateAsync(property.Id, null, timezone, null, cancellationToken) ?? property));
    }

    private static async Task<IResult> DeleteSiteAsync(HttpContext http, string siteId, PropertyDeletion deletion, CancellationToken cancellationToken)
    {
        var property = await ApiAccess.PropertyAsync(http, siteId, "site_id", PropertyRole.Owner);
        await deletion.DeleteAsync(property.Id, cancellationToken);
        return TypedResults.Json(new JsonObject { ["deleted"] = true });
    }

    private static async Task<IResult> ListGuestsAsync(HttpContext http, MemberStore members, CancellationToken cancellationToken)
    {
        var domain = Query(http, "site_id") ?? throw new FieldValidationException("site_id", "name the site (its domain).");
        var property = await ApiAccess.PropertyAsync(http, domain, "site_id", PropertyRole.Admin);
        var (people, invitations) = await members.ListAsync(property.Id, cancellationToken);
        var guests = people.Where(m => m.Role != PropertyRole.Owner).Select(m => GuestShape(m.Email, m.Role, accepted: true))
            .Concat(invitations.Select(i => GuestShape(i.Email, i.Role, accepted: false))).Select(g => (JsonNode?)g).ToArray();
        return TypedResults.Json(new JsonObject
        {
            ["guests"] = new JsonArray(guests),
            ["meta"] = new JsonObject { ["after"] = null, ["before"] = null, ["limit"] = 100 },
        });
    }

    private static async Task<IResult> PutGuestAsync(HttpContext http, MemberStore members, PropertyStore properties, InvitationMail mail, CancellationToken cancellationToken)
    {
        var parameters = await ParametersAsync(http, cancellationToken);
        var property = await ApiAccess.PropertyAsync(http, Text(parameters, "site_id") ?? Query(http, "site_id") ?? throw new FieldValidationException("site_id", "name the site (its domain)."), "site_id", PropertyRole.Admin);
        var email = Text(parameters, "email") ?? throw new FieldValidationException("email", "give the guest's email address.");
        var role = Text(parameters, "role") is "viewer" or "editor" or "admin" ? PropertyRoles.Parse(Text(parameters, "role"), "role")
            : throw new FieldValidationException("role", "Parameter `role` is required to create guest. Possible values: `viewer` or `editor` (ours also: `admin`).");
        if (await members.FindAsync(property.Id, email, cancellationToken) is var (current, accepted))
        {
            return TypedResults.Json(GuestShape(email.Trim(), current, accepted)); // as it is, without a new mail (Plausible's idempotence)
        }

        var key = ApiAccess.Key(http);
        var inviterRole = key.UserId is { } user ? await properties.RoleAsync(user, property.Id, cancellationToken) ?? PropertyRole.Viewer : PropertyRole.Owner;
        var (invitation, token) = await members.InviteAsync(property.Id, email, role, key.UserId, inviterRole, cancellationToken);
        var path = InvitationMail.Path(token);
        var link = http.RequestServices.GetService<PublicUrl>()?.Link(path) ?? $"{http.Request.Scheme}://{http.Request.Host}{path}";
        await mail.SendAsync(invitation, property.Domain, $"The API key '{key.Name}'", link, cancellationToken);
        return TypedResults.Json(GuestShape(invitation.Email, invitation.Role, accepted: false));
    }

    private static async Task<IResult> DeleteGuestAsync(HttpContext http, string email, MemberStore members, CancellationToken cancellationToken)
    {
        var parameters = await ParametersAsync(http, cancellationToken);
        var property = await ApiAccess.PropertyAsync(http, Text(parameters, "site_id") ?? Query(http, "site_id") ?? throw new FieldValidationException("site_id", "name the site (its domain) the guest belongs to."), "site_id", PropertyRole.Admin);
        await members.RemoveAsync(property.Id, email, cancellationToken);
        return TypedResults.Json(new JsonObject { ["deleted"] = true });
    }

    /// <summary>A guest as Plausible's Sites API writes one.</summary>
    private static JsonObject GuestShape(string email, PropertyRole role, bool accepted) => new()
    {
        ["email"] = email,
        ["role"] = role.Name(),
        ["status"] = accepted ? "accepted" : "invited",
    };

    private static string? Query(HttpContext http, string name) => http.Request.Query[name].ToString() is { Length: > 0 } value ? value : null;

    /// <summary>A site as Plausible's Sites API writes it, with our id beside it (the native API's property id).</summary>
    private static JsonObject SiteShape(Property property) => new()
    {
        ["domain"] = property.Domain,
        ["timezone"] = property.Timezone,
        ["id"] = property.Id,
    };

    private static async Task<IResult> PutSharedLinkAsync(HttpContext http, SharedLinkStore links, CancellationToken cancellationToken)
    {
        var parameters = await ParametersAsync(http, cancellationToken);
        var property = await ApiAccess.PropertyAsync(http, Text(parameters, "site_id") ?? throw new FieldValidationException("site_id", "name the site (its domain)."), "site_id", PropertyRole.Editor);
        var link = await links.FindOrAddAsync(property.Id, Text(parameters, "name") ?? throw new FieldValidationException("name", "a shared link needs a name."), cancellationToken);
        var path = link.Path(property.Domain);
        var url = http.RequestServices.GetService<PublicUrl>()?.Link(path) ?? $"{http.Request.Scheme}://{http.Request.Host}{path}"; // no public URL set: as this request reached us
        return TypedResults.Json(new JsonObject { ["name"] = link.Name, ["url"] = url });
    }

    private static async Task<IResult> PutFunnelAsync(HttpContext http, FunnelStore funnels, CancellationToken cancellationToken)
    {
        var parameters = await ParametersAsync(http, cancellationToken);
        var property = await ApiAccess.PropertyAsync(http, Text(parameters, "site_id") ?? throw new FieldValidationException("site_id", "name the site (its domain)."), "site_id", PropertyRole.Editor);
        var name = Text(parameters, "name") ?? throw new FieldValidationException("name", "a funnel needs a name.");
        var steps = parameters.GetValueOrDefault("steps") is JsonArray array
            ? array.Select((step, i) => step is JsonValue v && v.TryGetValue<string>(out var text) ? text : throw new FieldValidationException($"steps[{i}]", "a step is a goal's display name.")).ToList()
            : throw new FieldValidationException("steps", "give the steps: 2 to 8 goals' display names, in order.");
        if ((await funnels.ListAsync(property.Id, cancellationToken)).FirstOrDefault(f => f.Name == name.Trim()) is { } existing)
        {
            return existing.Steps.Select(g => g.DisplayName).SequenceEqual(steps.Select(t => t.Trim()))
                ? TypedResults.Json(Shape(existing))
                : throw new FieldValidationException("name", $"{property.Domain} has a funnel named '{existing.Name}' with other steps.");
        }

        return TypedResults.Json(Shape(await funnels.AddAsync(property.Id, name, steps, cancellationToken)));
    }

    private static Task<IResult> DeleteFunnelAsync(HttpContext http, string funnelId, FunnelStore funnels, CancellationToken cancellationToken)
        => DeleteAsync(http, "funnel", funnelId, (property, id) => funnels.DeleteAsync(property, id, cancellationToken), cancellationToken);

    /// <summary>A funnel: its id (a string, as the goals' are), name and steps' goal names.</summary>
    internal static JsonObject Shape(Funnel funnel) => new()
    {
        ["id"] = funnel.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["name"] = funnel.Name,
        ["steps"] = new JsonArray(funnel.Steps.Select(g => (JsonNode?)g.DisplayName).ToArray()),
    };

    private static async Task<IResult> PutGoalAsync(HttpContext http, GoalStore goals, CancellationToken cancellationToken)
    {
        var parameters = await ParametersAsync(http, cancellationToken);
        var property = await ApiAccess.PropertyAsync(http, Text(parameters, "site_id") ?? throw new FieldValidationException("site_id", "name the site (its domain)."), "site_id", PropertyRole.Editor);
        var type = Text(parameters, "goal_type");
        var (eventName, pagePath) = type switch
        {
            "event" => (Text(parameters, "event_name") ?? throw new FieldValidationException("event_name", "an event goal needs the event's name."), (string?)null),
            "page" => ((string?)null, Text(parameters, "page_path") ?? throw new FieldValidationException("page_path", "a page goal needs a path pattern.")),
            _ => throw new FieldValidationException("goal_type", $"'{type}' is not a goal type; use event or page."),
        };
        int? scroll = null;
        if (Text(parameters, "scroll_threshold") is { } threshold && threshold != "-1")
        {
            scroll = int.TryParse(threshold, out var share) ? share : throw new FieldValidationException("scroll_threshold", $"'{threshold}' is not a percentage from 1 to 100.");
        }

        var props = new Dictionary<string, string>(StringComparer.Ordinal);
        if (parameters.TryGetValue("custom_props", out var custom) && custom is JsonObject values)
        {
            foreach (var (key, value) in values)
            {
                props[key] = value is JsonValue v && v.TryGetValue<string>(out var text) ? text : throw new FieldValidationException($"custom_props.{key}", "must be a string.");
            }
        }

        try
        {
            var (goal, _) = await goals.FindOrAddAsync(property.Id, new GoalDefinition(eventName, pagePath, scroll, Text(parameters, "display_name"), Text(parameters, "currency"), props), cancellationToken);
            return TypedResults.Json(Shape(goal, property.Domain)); // 200 whether found or made, as Plausible answers
        }
        catch (FieldValidationException e) when (e.Field is "event" or "page" or "scroll" or "name" or "props")
        {
            throw new FieldValidationException(e.Field switch { "event" => "event_name", "page" => "page_path", "scroll" => "scroll_threshold", "name" => "display_name", _ => "custom_props" }, e.Message);
        }
    }

    private static async Task<IResult> ListGoalsAsync(HttpContext http, GoalStore goals, CancellationToken cancellationToken)
    {
        var domain = http.Request.Query["site_id"].ToString();
        var property = await ApiAccess.PropertyAsync(http, domain.Length > 0 ? domain : throw new FieldValidationException("site_id", "name the site (its domain)."), "site_id");
        var list = (await goals.ListAsync(property.Id, cancellationToken)).Select(g => Shape(g, null)).ToArray();
        return TypedResults.Json(new JsonObject
        {
            ["goals"] = new JsonArray(list),
            ["meta"] = new JsonObject { ["after"] = null, ["before"] = null, ["limit"] = list.Length },
        });
    }

    private static Task<IResult> DeleteGoalAsync(HttpContext http, string goalId, GoalStore goals, CancellationToken cancellationToken)
        => DeleteAsync(http, "goal", goalId, (property, id) => goals.DeleteAsync(property, id, cancellationToken), cancellationToken);

    /// <summary>Deletes a site's goal or funnel (<paramref name="kind"/>) by id: <c>{"deleted": true}</c>, or 404 naming it.</summary>
    private static async Task<IResult> DeleteAsync(HttpContext http, string kind, string text, Func<long, long, Task<bool>> delete, CancellationToken cancellationToken)
    {
        var parameters = await ParametersAsync(http, cancellationToken);
        var domain = Text(parameters, "site_id") ?? (http.Request.Query["site_id"].ToString() is { Length: > 0 } q ? q : throw new FieldValidationException("site_id", $"name the site (its domain) the {kind} belongs to."));
        var property = await ApiAccess.PropertyAsync(http, domain, "site_id", PropertyRole.Editor);
        if (!long.TryParse(text, out var id) || !await delete(property.Id, id))
        {
            return TypedResults.Json(new JsonObject { ["error"] = $"{kind}_id: {property.Domain} has no {kind} {text}." }, statusCode: StatusCodes.Status404NotFound);
        }

        return TypedResults.Json(new JsonObject { ["deleted"] = true });
    }

    /// <summary>A goal as Plausible's Sites API writes it (ids as strings; the domain only where Plausible gives it).</summary>
    private static JsonObject Shape(Goal goal, string? domain)
    {
        var shape = new JsonObject();
        if (domain is not null)
        {
            shape["domain"] = domain;
        }

        shape["id"] = goal.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        shape["display_name"] = goal.DisplayName;
        shape["goal_type"] = goal.Kind == GoalKind.Event ? "event" : "page";
        shape["event_name"] = goal.EventName;
        shape["page_path"] = goal.PagePath;
        shape["scroll_threshold"] = goal.ScrollThreshold ?? -1;
        shape["currency"] = goal.Currency;
        shape["custom_props"] = new JsonObject(goal.CustomProps.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        return shape;
    }

    /// <summary>The request's parameters: a JSON object body, or a form (Plausible's examples send forms), as JSON nodes.</summary>
    private static async Task<Dictionary<string, JsonNode?>> ParametersAsync(HttpContext http, CancellationToken cancellationToken)
    {
        var parameters = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (http.Request.HasFormContentType)
        {
            foreach (var (key, value) in await http.Request.ReadFormAsync(cancellationToken))
            {
                parameters[key] = key switch
                {
                    "custom_props" => Parse(value.ToString(), "custom_props"),
                    "steps" => new JsonArray(value.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
                    _ => JsonValue.Create(value.ToString()),
                };
            }
        }
        else if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            JsonNode? parsed;
            try
            {
                parsed = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException)
            {
                parsed = null;
            }

            if (parsed is not JsonObject body)
            {
                throw new FieldValidationException("body", "must be a JSON object or a form.");
            }

            foreach (var (key, value) in body)
            {
                parameters[key] = value?.DeepClone();
            }
        }

        return parameters;
    }

    private static JsonNode? Parse(string text, string field)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            throw new FieldValidationException(field, "must be a JSON object of property values.");
        }
    }

    private static string? Text(Dictionary<string, JsonNode?> parameters, string name)
        => parameters.TryGetValue(name, out var node) && node is JsonValue value
            ? value.TryGetValue<string>(out var text) ? (string.IsNullOrWhiteSpace(text) ? null : text)
                : value.ToJsonString()
            : null;
}
