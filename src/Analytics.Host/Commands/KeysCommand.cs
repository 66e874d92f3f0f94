using System.CommandLine;
using Analytics.ApiKeys;

namespace Analytics.Host.Commands;

internal static class KeysCommand
{
    public static Command Create()
    {
        var name = new Option<string>("--name") { Description = "What the key is for, e.g. 'nightly export'.", Required = true };
        var create = new Command("create", "Creates an instance API key and prints it once; only its hash is stored.") { name };
        create.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, withClickHouse: false, cancellationToken);
            var (key, secret) = await context.Get<ApiKeyStore>().CreateAsync(parse.GetValue(name)!, null, cancellationToken);
            Console.WriteLine(secret);
            AnalyticsCommandLine.Progress($"Created API key {key.Id} ({key.Prefix}...). Copy it now: it cannot be shown again.");
            return 0;
        }));

        var list = new Command("list", "Lists API keys: id, prefix, name, created, last used, revoked.");
        list.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, withClickHouse: false, cancellationToken);
            foreach (var key in await context.Get<ApiKeyStore>().ListAsync(cancellationToken))
            {
                Console.WriteLine($"{key.Id}\t{key.Prefix}...\t{key.Name}\t{key.CreatedAt:u}\t{key.LastUsedAt?.ToString("u") ?? "never used"}\t{(key.RevokedAt is null ? "active" : "revoked")}");
            }

            return 0;
        }));

        var id = new Argument<long>("id") { Description = "The key's id (see 'keys list')." };
        var revoke = new Command("revoke", "Revokes an API key at once.") { id };
        revoke.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, withClickHouse: false, cancellationToken);
            if (!await context.Get<ApiKeyStore>().RevokeAsync(parse.GetValue(id), cancellationToken))
            {
                await Console.Error.WriteLineAsync($"error: id: there is no active API key {parse.GetValue(id)}.");
                return 1;
            }

            AnalyticsCommandLine.Progress($"Revoked API key {parse.GetValue(id)}.");
            return 0;
        }));

        return new Command("keys", "Creates, lists and revokes API keys for the reporting API.") { create, list, revoke };
    }
}
