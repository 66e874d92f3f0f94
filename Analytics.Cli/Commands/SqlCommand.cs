using System.CommandLine;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.Hosting;

namespace Analytics.Cli.Commands;

/// <summary>
/// <c>analytics sql</c>: one ClickHouse statement against the product's database, its output on standard output. With
/// the embedded engine there is no clickhouse-client to reach it, so this is how an operator inspects what is stored
/// (the server must be stopped: one process at a time holds the engine). Opening the database applies pending
/// migrations first (<see cref="AdminContext"/>), as every admin command does: say so in its help, since an operator
/// inspecting an older directory would otherwise not expect it to change.
/// </summary>
internal static class SqlCommand
{
    public static Command Create()
    {
        var statement = new Argument<string>("statement") { Description = "The SQL, e.g. \"SELECT count() FROM events\"; - reads it from standard input." };
        var format = new Option<string>("--format") { Description = "ClickHouse output format (TSV, TSVWithNames, JSONEachRow, CSV, Pretty...).", DefaultValueFactory = _ => "TSVWithNames" };
        var sql = new Command("sql", "Runs one ClickHouse statement on the product's database and prints its output (stop the server first when it holds the embedded engine). Like every command that opens the data, it first applies the schema migrations not yet applied.") { statement, format };
        sql.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            var text = parse.GetValue(statement)!;
            if (text == "-")
            {
                text = await Console.In.ReadToEndAsync(cancellationToken);
            }

            await using var context = await AdminContext.OpenAsync(parse, Stores.ClickHouse, cancellationToken);
            var output = await context.Get<IClickHouse>().QueryRawAsync(text.Trim().TrimEnd(';'), parse.GetValue(format)!, cancellationToken: cancellationToken);
            await using var stdout = Console.OpenStandardOutput();
            await stdout.WriteAsync(output, cancellationToken);
            return 0;
        }));
        return sql;
    }
}
