using System.CommandLine;
using Analytics.Storage.Hosting;
using Analytics.ServiceDefaults;
using Analytics.Dashboard.Accounts;

namespace Analytics.Cli.Commands;

internal static class UsersCommand
{
    public static Command Create()
    {
        var email = new Argument<string>("email") { Description = "The user's email address, used to log in." };
        var fromStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input (for scripts)." };
        var admin = new Option<bool>("--admin") { Description = "Make the user an admin of this server (the first user always is)." };
        var add = new Command("add", "Adds a user (the first user, or one given --admin, becomes an admin). Prompts for the password.") { email, fromStdin, admin };
        add.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            var secret = parse.GetValue(fromStdin) || Console.IsInputRedirected ? Console.ReadLine() : ReadHidden("Password: ");
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken, accounts: true);
            var user = await context.Get<UserStore>().AddAsync(parse.GetValue(email)!, secret ?? string.Empty, parse.GetValue(admin), cancellationToken);
            context.Get<SecurityLog>().Write("signup", "succeeded", user.Id, user.Email, "command line", user.IsAdmin ? "admin" : null);
            Console.WriteLine(user.Id);
            AnalyticsCommandLine.Progress($"Added user {user.Email}{(user.IsAdmin ? " (admin)" : string.Empty)}.");
            return 0;
        }));

        var resetEmail = new Argument<string>("email") { Description = "The account's email address." };
        var resetLink = new Command("reset-link", "Prints a password reset link for an account (valid for an hour, once; voids earlier links), for a server without mail.") { resetEmail };
        resetLink.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            var configuration = AnalyticsCommandLine.Configuration(parse);
            await using var context = await AdminContext.OpenAsync(configuration, Stores.Postgres, cancellationToken, accounts: true);

            // The configured public URL, else the running server's, else where `serve` would listen.
            var listening = Admin.ServerFile.Read(context.DataDirectory)?.PublicUrl ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? ServeCommand.DefaultUrls;
            var publicUrl = PublicUrl.Resolve(configuration, listening) ?? throw PublicUrl.Missing(listening);
            var reset = await context.Get<UserStore>().CreateResetTokenAsync(parse.GetValue(resetEmail)!, network: null, cancellationToken)
                ?? throw new FieldValidationException("email", $"There is no user with the email '{parse.GetValue(resetEmail)}'.");
            Console.WriteLine(publicUrl.Link("/reset-password?token=" + Uri.EscapeDataString(reset.Token)));
            AnalyticsCommandLine.Progress($"Give this link to {reset.User.Email} only; it works once, within the hour.");
            return 0;
        }));

        return new Command("users", "Manages dashboard users.") { add, resetLink, State("disable", true), State("enable", false) };
    }

    private static Command State(string name, bool disabled)
    {
        var email = new Argument<string>("email") { Description = "The account's email address." };
        var command = new Command(name, disabled
            ? "Disables an account: it cannot log in, its sessions end at once and its API keys stop working."
            : "Enables a disabled account again.") { email };
        command.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken, accounts: true);
            var user = await context.Get<UserStore>().SetDisabledAsync(parse.GetValue(email)!, disabled, null, "command line", cancellationToken);
            AnalyticsCommandLine.Progress($"{(disabled ? "Disabled" : "Enabled")} user {user.Email}.");
            return 0;
        }));
        return command;
    }

    private static string ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        var builder = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return builder.ToString();
            }

            if (key.Key == ConsoleKey.Backspace && builder.Length > 0)
            {
                builder.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                builder.Append(key.KeyChar);
            }
        }
    }
}
