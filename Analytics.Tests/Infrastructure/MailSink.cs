using System.Diagnostics;
using MimeKit;

namespace Analytics.Tests.Infrastructure;

/// <summary>
/// A real SMTP server for a test (testing/smtp-sink: nodemailer's smtp-server, installed by test.sh), on a free port of
/// 127.0.0.1 without TLS; the server under test is pointed at it with <see cref="Environment"/>. Every message it takes
/// is read back with MimeKit.
/// </summary>
internal sealed class MailSink : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private MailSink(Process process, string folder, int port) => (_process, _folder, Port) = (process, folder, port);

    public int Port { get; }

    /// <summary>The settings that send the server's mail here (plain SMTP: the sink is on this machine).</summary>
    public (string Name, string Value)[] Environment =>
        [("ANALYTICS_SMTP_HOST", "127.0.0.1"), ("ANALYTICS_SMTP_PORT", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("ANALYTICS_SMTP__ENABLESSL", "false")];

    public static async Task<MailSink> StartAsync()
    {
        var script = Path.Combine(Repository.Root, "testing", "smtp-sink", "sink.mjs");
        if (!Directory.Exists(Path.Combine(Repository.Root, "testing", "smtp-sink", "node_modules")))
        {
            throw new InvalidOperationException("testing/smtp-sink has no node_modules: run the tests with ./test.sh, which installs it (npm ci).");
        }

        var folder = Path.Combine(Path.GetTempPath(), $"mail-{Guid.NewGuid():N}");
        var process = Process.Start(new ProcessStartInfo("node", [script, "0", folder]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("listening ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException($"The SMTP sink did not start: {line} {await process.StandardError.ReadToEndAsync()}");
        }

        _ = process.StandardOutput.ReadToEndAsync(); // keep the pipe drained
        return new MailSink(process, folder, int.Parse(line["listening ".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The messages taken so far, oldest first.</summary>
    public IReadOnlyList<MimeMessage> Messages
        => [.. Directory.Exists(_folder) ? Directory.GetFiles(_folder, "*.eml").Order(StringComparer.Ordinal).Select(f => MimeMessage.Load(f)) : []];

    /// <summary>Waits (up to 30 s) for a message to <paramref name="to"/> whose subject contains <paramref name="subject"/>, and gives it.</summary>
    public async Task<MimeMessage> WaitForAsync(string to, string subject, int skip = 0)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var found = Messages.Where(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, to, StringComparison.OrdinalIgnoreCase))
                && (m.Subject ?? string.Empty).Contains(subject, StringComparison.Ordinal)).Skip(skip).FirstOrDefault();
            if (found is not null)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No mail to {to} about '{subject}' arrived; the sink has: {string.Join("; ", Messages.Select(m => $"{m.To} '{m.Subject}'"))}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The first link of a message's text to this path of the server (e.g. "/invitation?token=").</summary>
    public static string Link(MimeMessage message, string path)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message.TextBody ?? string.Empty, @"https?://\S+" + System.Text.RegularExpressions.Regex.Escape(path) + @"\S*");
        return match.Success ? match.Value : throw new InvalidOperationException($"No {path} link in: {message.TextBody}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
