using System.CommandLine;
using Analytics.Storage.ApiKeys;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;

namespace Analytics.Cli.Commands;

internal static class KeysCommand
{
    public static Command Create()
    {
        var name = new Option<string?>("--name") { Description = "What the key is for, e.g. 'nightly export' (default: the properties it reads)." };
        var properties = new Option<string[]>("--property")
        {
            Description = "A property (domain) the key may read; repeat for several.",
            AllowMultipleArgumentsPerToken = false,
        };
        var all = new Option<bool>("--all") { Description = "The key may read every property, including those added later." };
        var user = new Option<string?>("--user") { Description = "The email of the account the key belongs to: it reads only what that account may, and shows on its API keys page." };
        var scopes = new Option<string[]>("--scope")
        {
            Description = $"What the key may do: {ApiKey.StatsRead} (read statistics; the default), {ApiKey.Events} (send a backend's visitors' events, docs/ingest.md) or {ApiKey.Sites} (manage sites, goals and funnels through Plausible's Sites API); repeat or comma-separate for several.",
            AllowMultipleArgumentsPerToken = false,
        };
        var create = new Command("create", "Creates an API key for the reporting API (or for sending events) and prints it once, alone on the last line; only its hash is stored.")
        {
            name, properties, all, user, scopes,
        };
        create.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            var domains = parse.GetValue(properties) ?? [];
            if (domains.Length == 0 == !parse.GetValue(all))
            {
                throw new FieldValidationException("--property", "name the properties the key may read with --property DOMAIN (repeatable), or give --all.");
            }

            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken, accounts: parse.GetValue(user) is not null);
            List<long>? ids = null;
            if (domains.Length > 0)
            {
                ids = [];
                foreach (var domain in domains)
                {
                    var property = await context.Get<PropertyStore>().FindByDomainAsync(domain, cancellationToken)
                        ?? throw new FieldValidationException("--property", $"there is no property '{domain}' (see 'properties list').");
                    ids.Add(property.Id);
                }
            }

            var label = parse.GetValue(name) ?? (domains.Length > 0 ? string.Join(", ", domains) : "all properties");
            var userId = parse.GetValue(user) is { } email ? (await context.OwnerAsync(email, "--user", cancellationToken)).Id : (long?)null;
            var scopeList = (parse.GetValue(scopes) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            var (key, secret) = await context.Get<ApiKeyStore>().CreateAsync(label, userId, ids, cancellationToken, scopeList.Count > 0 ? scopeList : null);
            context.Get<ServiceDefaults.SecurityLog>().Write("key-create", "succeeded", null, null, "command line", $"key {key.Id} ({key.Prefix}…){(userId is null ? "" : $" for user {userId}")}");
            AnalyticsCommandLine.Progress($"Created API key {key.Id} ({key.Prefix}...) to {key.Scopes.Replace(",", " and ", StringComparison.Ordinal)} for {(ids is null ? "every property" : string.Join(", ", domains))}. Copy it now: it cannot be shown again.");
            Console.WriteLine(secret);
            return 0;
        }));

        var list = new Command("list", "Lists API keys: id, prefix, name, scopes, created, last used, revoked.");
        list.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            foreach (var key in await context.Get<ApiKeyStore>().ListAsync(cancellationToken))
            {
                Console.WriteLine($"{key.Id}\t{key.Prefix}...\t{key.Name}\t{key.Scopes}\t{key.CreatedAt:u}\t{key.LastUsedAt?.ToString("u") ?? "never used"}\t{(key.RevokedAt is null ? "active" : "revoked")}");
            }

            return 0;
        }));

        var id = new Argument<long>("id") { Description = "The key's id (see 'keys list')." };
        var revoke = new Command("revoke", "Revokes an API key at once.") { id };
        revoke.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            if (!await context.Get<ApiKeyStore>().RevokeAsync(parse.GetValue(id), cancellationToken))
            {
                await Console.Error.WriteLineAsync($"error: id: there is no active API key {parse.GetValue(id)}.");
                return 1;
            }

            context.Get<ServiceDefaults.SecurityLog>().Write("key-revoke", "succeeded", null, null, "command line", $"key {parse.GetValue(id)}");

            AnalyticsCommandLine.Progress($"Revoked API key {parse.GetValue(id)}.");
            return 0;
        }));

        return new Command("keys", "Creates, lists and revokes API keys for the reporting API.") { create, list, revoke };
    }
}
