using System.ComponentModel.DataAnnotations;

namespace Analytics.Api;

/// <summary>The reporting API's settings (section <c>Api</c>).</summary>
internal sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Requests per API key per minute (env <c>ANALYTICS_API_RATE_LIMIT</c>); above it, 429 with <c>Retry-After</c>.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Api:RateLimitPerMinute must be at least 1.")]
    public int RateLimitPerMinute { get; set; } = 600;
}
