using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Corvid.Agents.Tests.Llm;

/// <summary>
/// A small OpenAI-compatible chat server on 127.0.0.1, standing in for the one thing outside the machine: a remote
/// LLM. It speaks the real wire format (JSON and server-sent events), answers each debate role from its system
/// prompt, and can be told to rate-limit (429) or to send judge verdicts that do not parse.
/// </summary>
internal sealed class FakeOpenAiServer : IAsyncDisposable
{
    public const string FlaggedClaim = "Exactly 99 percent of economists agree with me.";
    public const string CheckerObjection = "The 99 percent figure is invented; no survey of economists reports it.";

    private readonly WebApplication _app;
    private int _rateLimitsLeft;
    private int _malformedJudgeLeft;

    private FakeOpenAiServer(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Every request that reached the server, in order: role, status answered, the user prompt, the usage returned.</summary>
    public ConcurrentQueue<Call> Calls { get; } = new();

    public sealed record Call(string Role, int Status, string Prompt, bool Streamed, int PromptTokens, int CompletionTokens);

    /// <summary>Answer the next <paramref name="count"/> requests with HTTP 429.</summary>
    public void RateLimitNext(int count) => _rateLimitsLeft = count;

    /// <summary>Answer the next <paramref name="count"/> judge requests with text that is not a verdict.</summary>
    public void MalformJudgeNext(int count) => _malformedJudgeLeft = count;

    public static async Task<FakeOpenAiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeOpenAiServer(app);
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = new Uri(address.TrimEnd('/') + "/v1");
        return server;
    }

    private async Task HandleAsync(HttpContext http)
    {
        var body = (await JsonNode.ParseAsync(http.Request.Body))!;
        var messages = body["messages"]!.AsArray();
        var system = messages.FirstOrDefault(m => (string?)m!["role"] == "system")?["content"]?.ToString() ?? "";
        var prompt = string.Join("\n", messages.Where(m => (string?)m!["role"] != "system").Select(m => m!["content"]?.ToString()));
        var role = system.Contains("brainstorming") ? "topic"
            : system.Contains("meticulous fact checker") ? "fact_checker"
            : system.Contains("debate judge") ? "judge"
            : prompt.Contains("(PRO)") ? "pro" : "con";
        var streamed = (bool?)body["stream"] ?? false;

        if (Interlocked.Decrement(ref _rateLimitsLeft) >= 0)
        {
            Calls.Enqueue(new Call(role, 429, prompt, streamed, 0, 0));
            http.Response.StatusCode = 429;
            await http.Response.WriteAsJsonAsync(new { error = new { message = "Rate limit reached for requests", type = "requests", code = "rate_limit_exceeded" } });
            return;
        }

        var reply = Reply(role, prompt);
        var promptTokens = prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length + system.Split(' ').Length;
        var completionTokens = reply.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        Calls.Enqueue(new Call(role, 200, prompt, streamed, promptTokens, completionTokens));
        var model = (string?)body["model"] ?? "fake";
        var usage = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens };

        if (!streamed)
        {
            await http.Response.WriteAsJsonAsync(new JsonObject
            {
                ["id"] = "chatcmpl-fake", ["object"] = "chat.completion", ["created"] = 1_700_000_000, ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply },
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = usage,
            });
            return;
        }

        http.Response.ContentType = "text/event-stream";
        async Task Send(JsonObject chunk)
        {
            await http.Response.WriteAsync($"data: {chunk.ToJsonString()}\n\n");
            await http.Response.Body.FlushAsync();
        }
        JsonObject Chunk(JsonArray choices) => new()
        {
            ["id"] = "chatcmpl-fake", ["object"] = "chat.completion.chunk", ["created"] = 1_700_000_000, ["model"] = model, ["choices"] = choices,
        };
        var words = reply.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            var delta = new JsonObject { ["content"] = (i == 0 ? "" : " ") + words[i] };
            if (i == 0) delta["role"] = "assistant";
            await Send(Chunk(new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = null })));
        }
        await Send(Chunk(new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject(), ["finish_reason"] = "stop" })));
        var last = Chunk([]);
        last["usage"] = usage;
        await Send(last);
        await http.Response.WriteAsync("data: [DONE]\n\n");
    }

    /// <summary>The "model": each role's answer. The con side's first rebuttal carries an invented figure the checker rejects.</summary>
    private string Reply(string role, string prompt)
    {
        switch (role)
        {
            case "topic":
                return "Should cities ban private cars from their centres?";
            case "fact_checker":
                var failed = prompt.Contains(FlaggedClaim, StringComparison.Ordinal);
                return JsonSerializer.Serialize(new { verdict = failed ? "fail" : "pass", justification = failed ? CheckerObjection : "No false claims found." });
            case "judge":
                if (Interlocked.Decrement(ref _malformedJudgeLeft) >= 0) return "PRO won, I would say, on balance.";
                return JsonSerializer.Serialize(new { winner = "pro", reasons = new[] { "PRO answered every point.", "CON needed a revision." } });
            default:
                var stage = prompt.Contains("opening statement") ? "opening" : prompt.Contains("Rebut") ? "rebuttal" : prompt.Contains("Counter") ? "counter" : "final";
                if (prompt.Contains("flagged by the fact checker", StringComparison.Ordinal))
                {
                    return $"{role.ToUpperInvariant()} {stage}, revised: cars crowd streets; the earlier figure is withdrawn.";
                }
                return role == "con" && stage == "rebuttal"
                    ? $"CON rebuttal: cars bring trade. {FlaggedClaim}"
                    : $"{role.ToUpperInvariant()} {stage}: a reasoned case about cars in cities.";
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
