using Analytics.Storage.Hosting;
using Microsoft.AspNetCore.Http;

namespace Analytics.Api;

/// <summary>Turns refused input into 400, actions the key may not take into 403 and unknown properties into 404, as ProblemDetails naming the field (with Plausible's "error" too).</summary>
internal sealed class ApiErrorFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (FieldValidationException e)
        {
            var message = $"{e.Field}: {e.Message}";
            return TypedResults.Problem(message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request",
                extensions: new Dictionary<string, object?> { ["field"] = e.Field, ["error"] = message });
        }
        catch (ApiForbiddenException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                extensions: new Dictionary<string, object?> { ["error"] = e.Message });
        }
        catch (PropertyNotFoundException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status404NotFound, title: "Not found",
                extensions: new Dictionary<string, object?> { ["error"] = e.Message });
        }
    }
}
