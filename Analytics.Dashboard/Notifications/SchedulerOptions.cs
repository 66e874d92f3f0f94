using System.ComponentModel.DataAnnotations;

namespace Analytics.Dashboard.Notifications;

/// <summary>The scheduler of email reports and traffic alerts (section <c>Scheduler</c>; env <c>ANALYTICS_SCHEDULER__*</c>).</summary>
public sealed class SchedulerOptions
{
    public const string Section = "Scheduler";

    /// <summary>How often the runner looks for due reports, checks alerts and sends what is due, in seconds.</summary>
    [Range(1, 3600, ErrorMessage = "Scheduler:IntervalSeconds must be between 1 and 3600.")]
    public int IntervalSeconds { get; set; } = 30;

    /// <summary>The wait before the first retry of a failed delivery, in seconds; each next wait is four times longer.</summary>
    [Range(1, 86400, ErrorMessage = "Scheduler:RetryBaseSeconds must be between 1 and 86400.")]
    public int RetryBaseSeconds { get; set; } = 60;

    /// <summary>Attempts before a delivery is given up (and shown as failed in the delivery log).</summary>
    [Range(1, 20, ErrorMessage = "Scheduler:MaxAttempts must be between 1 and 20.")]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The local hour (in each property's zone) at which reports go out: on the first day of the week, or of the month.</summary>
    [Range(0, 23, ErrorMessage = "Scheduler:ReportHour must be between 0 and 23.")]
    public int ReportHour { get; set; } = 9;

    /// <summary>The wait before retry <paramref name="attempt"/> + 1 (1, 4, 16, 64... times the base).</summary>
    public TimeSpan RetryAfter(int attempt) => TimeSpan.FromSeconds(RetryBaseSeconds * Math.Pow(4, Math.Max(0, attempt - 1)));
}
