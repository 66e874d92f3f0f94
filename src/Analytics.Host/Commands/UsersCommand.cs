using System.CommandLine;
using Analytics.Hosting;
using Analytics.Users;

namespace Analytics.Host.Commands;

internal static class UsersCommand
{
    public static Command Create()
    {
        var email = new Argument<string>("email") { Description = "The user's email address, used to log in." };
        var fromStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input (for scripts)." };
        var add = new Command("add", "Adds a user (the first user becomes the admin). Prompts for the password.") { email, fromStdin };
        add.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            var secret = parse.GetValue(fromStdin) || Console.IsInputRedirected ? Console.ReadLine() : ReadHidden("Password: ");
            await using var context = await AdminContext.OpenAsync(parse, Stores.Postgres, cancellationToken);
            var user = await context.Get<UserStore>().AddAsync(parse.GetValue(email)!, secret ?? string.Empty, cancellationToken);
            Console.WriteLine(user.Id);
            AnalyticsCommandLine.Progress($"Added user {user.Email}{(user.IsAdmin ? " (admin)" : string.Empty)}.");
            return 0;
        }));

        return new Command("users", "Manages dashboard users.") { add };
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
