using System.Net.Mail;
using System.Security.Cryptography;
using Analytics.Storage.Hosting;
using Analytics.ServiceDefaults;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Analytics.Dashboard.Accounts;

/// <summary>The outcome of a log-in attempt. <see cref="LockedUntil"/> is set while attempts are refused.</summary>
public sealed record SignInResult(User? User, DateTime? LockedUntil);
