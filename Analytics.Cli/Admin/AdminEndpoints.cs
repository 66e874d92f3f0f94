using System.Security.Cryptography;
using System.Text;
using Analytics.Storage.ClickHouse;
using Analytics.Ingest.Events;
using Analytics.Storage.Hosting;
using Analytics.Ingest.Transfer;
using Analytics.Storage.Imports;
using Analytics.Storage.Properties;
using Analytics.Api.Reports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Analytics.Cli.Admin;

/// <summary>
/// <c>/internal/*</c>: what admin commands ask of a running server (export, import, deleting a property). Every call must carry the token
/// of <c>server.json</c>, which only the server's user can read; they are not part of the public API.
/// </summary>
internal static class AdminEndpoints
{
    public const string TokenHeader = "X-Analytics-Admin-Token";

    public static void MapAdminEndpoints(this WebApplication app, string token)
    {
        var group = app.MapGroup("/internal").ExcludeFromDescription().AddEndpointFilter(async (context, next) =>
        {
            var presented = Encoding.UTF8.GetBytes(context.HttpContext.Request.Headers[TokenHeader].ToString());
            return CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(token))
                ? await next(context)
                : TypedResults.Problem("This endpoint is for the analytics command on this machine.", statusCode: StatusCodes.Status403Forbidden);
        });

        group.MapGet("/export", async (HttpContext context, string property, string? from, string? to, string format, PropertyStore properties, IClickHouse clickHouse) =>
        {
            var target = await properties.FindByDomainAsync(property, context.RequestAborted);
            if (target is null)
            {
                return Results.Problem($"There is no property '{property}'.", statusCode: StatusCodes.Status404NotFound);
            }

            NodaTime.LocalDate? first, last;
            try
            {
                (first, last) = (from is null ? null : ReportRanges.ParseDay(from, "from"), to is null ? null : ReportRanges.ParseDay(to, "to"));
            }
            catch (FieldValidationException e)
            {
                return Results.Problem($"{e.Field}: {e.Message}", statusCode: StatusCodes.Status400BadRequest);
            }

            context.Response.ContentType = format == "parquet" ? "application/vnd.apache.parquet" : "text/plain; charset=utf-8";
            await EventExport.WriteAsync(clickHouse, target, first, last, format, context.Response.Body, _ => { }, context.RequestAborted);
            return Results.Empty;
        });

        group.MapPost("/delete-property", async (HttpContext context, long id, PropertyDeletion deletion) =>
            await deletion.DeleteAsync(id, context.RequestAborted)
                ? Results.NoContent()
                : Results.Problem($"id: there is no property {id}.", statusCode: StatusCodes.Status404NotFound));

        group.MapPost("/import-from", async (HttpContext context, string source, string property, string path, PropertyStore properties, IClickHouse clickHouse, ImportStore imports) =>
        {
            if (await properties.FindByDomainAsync(property, context.RequestAborted) is not { } target)
            {
                return Results.Problem($"There is no property '{property}'.", statusCode: StatusCodes.Status404NotFound);
            }

            try
            {
                var said = new StringBuilder();
                await ToolImport.RunAsync(clickHouse, imports, target, source, path, Countries.Code, line => said.AppendLine(line), context.RequestAborted);
                return Results.Text(said.Append("(through the running server)").ToString());
            }
            catch (FieldValidationException e)
            {
                return Results.Problem($"{e.Field}: {e.Message}", statusCode: StatusCodes.Status400BadRequest);
            }
        });

        group.MapPost("/delete-import", async (HttpContext context, string property, long id, PropertyStore properties, IClickHouse clickHouse, ImportStore imports) =>
            await properties.FindByDomainAsync(property, context.RequestAborted) is { } target && await PlausibleImport.DeleteAsync(clickHouse, imports, target.Id, id, context.RequestAborted)
                ? Results.NoContent()
                : Results.Problem($"id: {property} has no import {id}.", statusCode: StatusCodes.Status404NotFound));

        group.MapPost("/send-report", async (HttpContext context, string property, string email, string period, PropertyStore properties, Analytics.Dashboard.Notifications.Deliverer deliverer) =>
        {
            if (await properties.FindByDomainAsync(property, context.RequestAborted) is not { } target)
            {
                return Results.Problem($"There is no property '{property}'.", statusCode: StatusCodes.Status404NotFound);
            }

            try
            {
                return Results.Text(await deliverer.SendReportNowAsync(target, email, period, context.RequestAborted) ? "sent" : "waiting");
            }
            catch (FieldValidationException e)
            {
                return Results.Problem($"--{e.Field}: {e.Message}", statusCode: StatusCodes.Status400BadRequest);
            }
        });

        group.MapPost("/import", async (HttpContext context, string property, PropertyStore properties, IClickHouse clickHouse) =>
        {
            var target = await properties.FindByDomainAsync(property, context.RequestAborted);
            if (target is null)
            {
                return Results.Problem($"There is no property '{property}'.", statusCode: StatusCodes.Status404NotFound);
            }

            try
            {
                var count = await EventImport.RunAsync(clickHouse, target, context.Request.Body, _ => { }, context.RequestAborted);
                return Results.Text(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (FieldValidationException e)
            {
                return Results.Problem($"{e.Field}: {e.Message}", statusCode: StatusCodes.Status400BadRequest);
            }
        });
    }
}
