using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Analytics.ServiceDefaults;

/// <summary>A refusal as ProblemDetails with Plausible's <c>error</c> string beside it (its clients read that): 401 and 403 of the API and of collect.</summary>
public static class ErrorProblem
{
    public static ProblemHttpResult Of(int status, string title, string detail)
        => TypedResults.Problem(detail, statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["error"] = detail });
}
