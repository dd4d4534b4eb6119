using System.ClientModel;
using System.CommandLine;
using Corvid.Agents;
using Corvid.Agents.Debate;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace Corvid.Cli;

/// <summary><c>corvid debate</c>: the Deb8flow debate on Corvid's state-graph engine, offline by default.</summary>
internal static class DebateCommand
{
    public static string DefaultDatabase => Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "corvid", "debates.db");

    public static Command Create()
    {
        var topic = new Option<string?>("--topic") { Description = "The motion, or an evidence-base topic id (four-day-week, nuclear-power, social-media-age). Generated from the seed when absent; offline debaters argue only the evidence-base topics." };
        var seed = new Option<int>("--seed") { Description = "Seed for every random choice: the same seed gives the same debate.", DefaultValueFactory = _ => 1 };
        var misquote = new Option<double>("--misquote-rate") { Description = "Chance (0 to 1) that an offline debater misquotes a figure in a statement, so fact checks fail, statements are revised and a side can be disqualified.", DefaultValueFactory = _ => 0 };
        var opening = new Option<string>("--opening") { Description = "The side that opens: pro or con.", DefaultValueFactory = _ => Sides.Pro };
        var human = new Option<string?>("--human") { Description = "Argue one side yourself (pro or con): the debate pauses for your statement. Checkpointed, so you can stop and continue with --resume." };
        var transcript = new Option<string?>("--transcript") { Description = "Write the whole debate as JSON to this file: topic, messages, fact-check counts, verdict, token usage." };
        var thread = new Option<string?>("--thread") { Description = "Checkpoint the debate in SQLite under this new thread id, so it can be continued with --resume after a stop or crash." };
        var resume = new Option<string?>("--resume") { Description = "Continue the checkpointed thread with this id from its last step; nothing already done runs again." };
        var db = new Option<string?>("--db") { Description = $"SQLite checkpoint database (default {DefaultDatabase})." };
        var trace = new Option<string?>("--trace") { Description = "Write the OpenTelemetry spans (a span per node and per LLM call, with token usage) to this JSON file; view it with corvid trace show." };
        var graph = new Option<bool>("--graph") { Description = "Print the debate's graph as a Mermaid diagram and exit." };
        var provider = new Option<string>("--provider") { Description = "Who plays the roles: offline (built in, no network) or openai (any OpenAI-compatible endpoint).", DefaultValueFactory = _ => "offline" };
        var endpoint = new Option<string?>("--endpoint") { Description = "Base URL of the OpenAI-compatible API (default https://api.openai.com/v1; Ollama: http://localhost:11434/v1)." };
        var model = new Option<string?>("--model") { Description = "Model name for --provider openai (default gpt-4o-mini)." };
        var apiKeyEnv = new Option<string>("--api-key-env") { Description = "Environment variable holding the API key.", DefaultValueFactory = _ => "OPENAI_API_KEY" };
        var pace = new Option<int>("--pace") { Description = "Milliseconds to pause after each statement, to follow the debate as it unfolds.", DefaultValueFactory = _ => 0 };

        var command = new Command("debate",
            "Run a Deb8flow debate: a topic, then PRO and CON trade opening, rebuttal, counter and final argument; every statement "
            + "is fact-checked, a failed one goes back to its speaker to revise, a third failure disqualifies, and a judge decides. "
            + "Runs offline by default (debaters, fact checker and judge work from an evidence base shipped with Corvid); "
            + "--provider openai puts an LLM in every role.")
        {
            topic, seed, misquote, opening, human, transcript, thread, resume, db, trace, graph, provider, endpoint, model, apiKeyEnv, pace,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(new DebateRequest(
            parse.GetValue(topic), parse.GetValue(seed), parse.GetValue(misquote), parse.GetValue(opening)!, parse.GetValue(human),
            parse.GetValue(transcript), parse.GetValue(thread), parse.GetValue(resume), parse.GetValue(db) ?? DefaultDatabase,
            parse.GetValue(trace), parse.GetValue(graph), parse.Tokens.Any(t => t.Value == "--provider") ? parse.GetValue(provider) : null,
            parse.GetValue(endpoint), parse.GetValue(model), parse.GetValue(apiKeyEnv)!, parse.GetValue(pace)), cancellationToken));
        return command;
    }

    private sealed record DebateRequest(string? Topic, int Seed, double MisquoteRate, string Opening, string? Human, string? Transcript,
        string? Thread, string? Resume, string Database, string? Trace, bool Graph, string? Provider, string? Endpoint, string? Model,
        string ApiKeyEnv, int Pace);

    private static async Task<int> RunAsync(DebateRequest request, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Console;
        if (request.Graph)
        {
            console.Profile.Out.Writer.Write(DebateWorkflow.Build(DebateTeams.Create(new DebateSettings())).ToMermaid());
            return 0;
        }
        var problem = Validate(request);
        if (problem is not null) return Fail(problem);

        using var recorder = request.Trace is not null ? TraceRecorder.Start() : null;
        try
        {
            return await DebateAsync(request, console, cancellationToken);
        }
        catch (Exception error) when (Explain(error, request) is { } message)
        {
            return Fail(message);
        }
        finally
        {
            if (recorder is not null && request.Trace is not null)
            {
                recorder.Save(request.Trace);
                console.MarkupLine($"[grey]Trace: {recorder.Spans.Count} spans written to {Markup.Escape(request.Trace)} (corvid trace show {Markup.Escape(request.Trace)}).[/]");
            }
        }
    }

    private static async Task<int> DebateAsync(DebateRequest request, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var persistent = request.Thread is not null || request.Resume is not null || request.Human is not null;
        ICheckpointSaver store = persistent ? new SqliteCheckpointSaver(request.Database) : new InMemoryCheckpointSaver();
        var threadId = request.Resume ?? request.Thread ?? $"debate-{DateTime.UtcNow:yyyyMMdd-HHmmss}-seed{request.Seed}";
        var display = new DebateConsole(console);

        DebateSettings settings;
        if (request.Resume is not null)
        {
            var snapshot = await DebateWorkflow.Build(DebateTeams.Create(new DebateSettings()), store).GetStateAsync(threadId, cancellationToken);
            if (snapshot is null) return Fail($"no debate thread '{threadId}' in {request.Database}");
            settings = snapshot.Values.Settings;
            if (request.Provider is not null) settings = settings with { Provider = request.Provider };
            settings = settings with { Endpoint = request.Endpoint ?? settings.Endpoint, Model = request.Model ?? settings.Model };
            display.Recap(snapshot.Values, threadId, snapshot.Step);
        }
        else
        {
            if (request.Thread is not null && await store.GetLatestAsync(request.Thread, cancellationToken) is not null)
            {
                return Fail($"thread '{request.Thread}' already exists in {request.Database}; continue it with --resume {request.Thread}");
            }
            settings = new DebateSettings
            {
                Seed = request.Seed, MisquoteRate = request.MisquoteRate, OpeningSide = request.Opening, HumanSide = request.Human,
                TopicRequest = request.Topic, Provider = request.Provider ?? "offline", Endpoint = request.Endpoint, Model = request.Model,
            };
        }
        if (settings.Provider == "openai")
        {
            settings = settings with { Endpoint = settings.Endpoint ?? "https://api.openai.com/v1", Model = settings.Model ?? "gpt-4o-mini" };
        }

        using var client = settings.Provider == "openai"
            ? ChatClients.OpenAiCompatible(new Uri(settings.Endpoint!), settings.Model!, Environment.GetEnvironmentVariable(request.ApiKeyEnv))
            : null;
        var graph = DebateWorkflow.Build(DebateTeams.Create(settings, client), store);
        var config = new RunConfig { ThreadId = threadId, RecursionLimit = DebateWorkflow.RecursionLimit };
        if (persistent && request.Resume is null) console.MarkupLine($"[grey]Thread {Markup.Escape(threadId)} in {Markup.Escape(request.Database)}[/]");

        var events = request.Resume is null
            ? graph.StreamAsync(DebateWorkflow.InitialState(settings), config, cancellationToken)
            : graph.StreamAsync(Resume.Continue, config, cancellationToken);
        while (true)
        {
            RunResult<DebateState>? result = null;
            await foreach (var e in events)
            {
                switch (e)
                {
                    case StepCompleted<DebateState> step when display.Show(step.State) && request.Pace > 0:
                        await Task.Delay(request.Pace, cancellationToken);
                        break;
                    case RetryScheduled retry:
                        console.MarkupLine($"[yellow]{Markup.Escape(retry.Node)}: {Markup.Escape(Short(retry.Error))}; attempt {retry.NextAttempt} in {retry.Delay.TotalSeconds:0.0} s[/]");
                        break;
                    case RunFinished<DebateState> finished:
                        result = finished.Result;
                        break;
                }
            }
            if (result!.IsInterrupted)
            {
                var ask = result.Interrupts[0].GetValue<HumanTurnRequest>()!;
                display.AskHuman(ask);
                var line = Console.In.ReadLine();
                if (line is null)
                {
                    console.MarkupLine($"[yellow]The debate waits for {ask.Side.ToUpperInvariant()}'s {ask.Stage.Replace('_', ' ')}.[/] Continue with: "
                        + Markup.Escape($"corvid debate --resume {threadId} --db {request.Database}"));
                    return 0;
                }
                events = graph.StreamAsync(Resume.With(line), config, cancellationToken);
                continue;
            }

            var state = result.State;
            var usage = state.UsageByNode.Values.Aggregate(default(TokenUsage), (a, b) => a + b);
            display.Verdict(state, usage);
            if (request.Transcript is not null)
            {
                DebateTranscript.From(state, threadId, result.Step).Write(request.Transcript);
                console.MarkupLine($"[grey]Transcript written to {Markup.Escape(request.Transcript)}[/]");
            }
            return 0;
        }
    }

    private static string? Validate(DebateRequest request)
    {
        if (request.Provider is not null && !DebateTeams.Providers.Contains(request.Provider))
            return $"unknown provider '{request.Provider}' (known: {string.Join(", ", DebateTeams.Providers)})";
        if (!Sides.IsSide(request.Opening)) return $"--opening must be pro or con, got '{request.Opening}'";
        if (request.Human is not null && !Sides.IsSide(request.Human)) return $"--human must be pro or con, got '{request.Human}'";
        if (request.MisquoteRate is < 0 or > 1) return $"--misquote-rate must be between 0 and 1, got {request.MisquoteRate}";
        if (request.Thread is not null && request.Resume is not null) return "give --thread to start a thread or --resume to continue one, not both";
        if (request.Pace < 0) return $"--pace must be 0 or more milliseconds, got {request.Pace}";
        if (request.Endpoint is not null && !Uri.TryCreate(request.Endpoint, UriKind.Absolute, out _)) return $"--endpoint '{request.Endpoint}' is not an absolute URL";
        return null;
    }

    /// <summary>The message for an error a user can act on; null lets anything else surface as a crash with its stack.</summary>
    private static string? Explain(Exception error, DebateRequest request) => error switch
    {
        CheckpointStoreException or ThreadNotFoundException or LlmOutputException or GraphRecursionException or NodeTimeoutException => error.Message,
        ClientResultException { Status: > 0 } http => $"the LLM endpoint {request.Endpoint} answered HTTP {http.Status}: {Short(http)}",
        ClientResultException or HttpRequestException => $"could not reach the LLM endpoint {request.Endpoint}: {Innermost(error).Message}",
        ArgumentException or InvalidOperationException => error.Message,
        OperationCanceledException => "cancelled",
        _ => null,
    };

    private static Exception Innermost(Exception error) => error.InnerException is null ? error : Innermost(error.InnerException);

    private static string Short(Exception error)
    {
        var line = error.Message.Split('\n')[0].Trim();
        return line.Length > 160 ? line[..160] + "..." : line;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"corvid debate: {message}");
        return 1;
    }
}
