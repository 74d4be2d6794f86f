using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;

namespace OpenMss.EndToEnd.Tests;

/// <summary>What a log collector and a browser see of an operator's HTTP endpoint (/health, /metrics, autoconfig).</summary>
public sealed class WebEndpointSecurityTests
{
    private const string PatientAddress = "279035121518989@patient.mssante.fr";

    [Fact]
    public async Task Autoconfig_requests_carrying_a_patient_address_leave_no_trace_in_the_logs_even_at_trace_level()
    {
        var logs = new ConcurrentQueue<string>();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new Capture(logs)));
        await using var space = await TwoOperators.StartAsync(loggers);
        using var http = space.WebClient(space.A);

        using var refused = await http.GetAsync("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=" + PatientAddress);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        using var served = await http.GetAsync("/mail/config-v1.1.xml?emailaddress=" + Uri.EscapeDataString(TwoOperators.Pharmacist));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);

        Assert.NotEmpty(logs); // the capture works: the nodes did log their start
        Assert.DoesNotContain(logs, l => l.Contains("279035121518989", StringComparison.Ordinal));
        Assert.DoesNotContain(logs, l => l.Contains("claire.martin", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_answer_carries_security_headers_no_server_banner_and_errors_are_problem_details()
    {
        await using var space = await TwoOperators.StartAsync();
        using var http = space.WebClient(space.A);
        foreach (var path in new[] { "/health", "/metrics", "/mail/config-v1.1.xml?emailaddress=" + Uri.EscapeDataString(TwoOperators.Pharmacist), "/nope" })
        {
            using var response = await http.GetAsync(path);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.True(response.Headers.CacheControl?.NoStore, path);
            Assert.False(response.Headers.Contains("Server"), path);
        }

        using var post = await http.PostAsync("/health", new ByteArrayContent(new byte[200 * 1024]));
        Assert.True(post.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.RequestEntityTooLarge, post.StatusCode.ToString());
        Assert.Equal("application/problem+json", post.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("   at ", await post.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Collects every log line (category, message, exception) of the loggers it creates.</summary>
    internal sealed class Capture(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category}: {formatter(state, exception)} {exception}");
        }
    }
}
