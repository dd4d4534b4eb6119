using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Threading.Channels;

namespace Corvid.Agents;

/// <summary>
/// One call of a compiled graph, run in supersteps as LangGraph (Pregel) runs them: the nodes of a step run
/// in parallel on the same state, their writes are applied together when all have finished, the edges then
/// choose the next step's nodes, and a checkpoint is saved. Each finished task's result is saved at once,
/// so a resumed step runs only the tasks that had not finished.
/// </summary>
internal sealed class GraphRun<TState>(CompiledGraph<TState> graph, RunConfig config) where TState : class
{
    private const int TrailLength = 12;

    private readonly StateSchema<TState> _schema = graph.Schema;
    private readonly ICheckpointSaver _saver = graph.Checkpointer ?? new InMemoryCheckpointSaver();
    private readonly string _runId = Guid.NewGuid().ToString("n");
    private readonly string _threadId = config.ThreadId
        ?? (graph.Checkpointer is null ? Guid.NewGuid().ToString("n")
            : throw new ArgumentException($"graph '{graph.Name}' has a checkpointer, so RunConfig.ThreadId must name the thread"));

    public async IAsyncEnumerable<GraphEvent> RunAsync(TState? input, Resume? resume, [EnumeratorCancellation] CancellationToken outer)
    {
        // A consumer that stops reading (break, dispose) cancels the nodes still running.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
        var cancellation = stop.Token;
        try
        {
            await foreach (var e in RunStepsAsync(input, resume, cancellation)) yield return e;
        }
        finally
        {
            stop.Cancel();
        }
    }

    private async IAsyncEnumerable<GraphEvent> RunStepsAsync(TState? input, Resume? resume, [EnumeratorCancellation] CancellationToken cancellation)
    {
        using var span = AgentTelemetry.Source.StartActivity($"graph {graph.Name}");
        span?.SetTag(AgentTelemetry.GraphName, graph.Name);
        span?.SetTag(AgentTelemetry.ThreadId, _threadId);
        span?.SetTag(AgentTelemetry.RunId, _runId);
        var parent = span?.Context ?? Activity.Current?.Context ?? default;

        var checkpoint = input is not null
            ? await StartAsync(input, cancellation)
            : await ContinueAsync(resume!, cancellation);
        var state = _schema.Deserialize(checkpoint.State);

        for (var stepsTaken = 0; checkpoint.Next.Count > 0; stepsTaken++)
        {
            if (stepsTaken >= config.RecursionLimit)
            {
                var error = new GraphRecursionException(config.RecursionLimit, checkpoint.Trail);
                span?.SetStatus(ActivityStatusCode.Error, error.Message);
                throw error;
            }

            var step = checkpoint.Step + 1;
            var writes = await _saver.GetWritesAsync(_threadId, checkpoint.Id, cancellation);
            var finished = PendingWrites.Results(writes);
            var outcomes = new TaskOutcome[checkpoint.Next.Count];
            var events = Channel.CreateUnbounded<GraphEvent>();
            var running = new List<Task>();
            for (var i = 0; i < checkpoint.Next.Count; i++)
            {
                var task = checkpoint.Next[i];
                var index = i;
                if (finished.TryGetValue(task.Id, out var stored))
                {
                    // Finished before the process stopped: take its stored result, do not run it again.
                    outcomes[i] = TaskOutcome.Done(_schema.DeserializeWrites(stored.Writes), stored.Goto,
                        stored.Sends.Select(s => new Target<TState>(s.Node, _schema.Deserialize(s.Input))).ToList());
                    continue;
                }
                var taskInput = task.Input is { } own ? _schema.Deserialize(own) : state;
                var resumeValues = PendingWrites.ResumeValues(writes, task.Id);
                running.Add(Task.Run(async () =>
                    outcomes[index] = await RunTaskAsync(checkpoint, step, task, taskInput, resumeValues, events.Writer, parent, cancellation),
                    cancellation));
            }
            var all = Task.WhenAll(running).ContinueWith(_ => events.Writer.Complete(), TaskScheduler.Default);
            await foreach (var e in events.Reader.ReadAllAsync(cancellation)) yield return e;
            await all;
            cancellation.ThrowIfCancellationRequested();

            var failed = outcomes.FirstOrDefault(o => o.Error is not null);
            if (failed is not null)
            {
                span?.SetStatus(ActivityStatusCode.Error, failed.Error!.Message);
                ExceptionDispatchInfo.Capture(failed.Error!).Throw();
            }
            var interrupts = outcomes.Where(o => o.Interrupt is not null).Select(o => o.Interrupt!).ToList();
            if (interrupts.Count > 0)
            {
                span?.SetTag(AgentTelemetry.Outcome, "interrupted");
                yield return new RunFinished<TState>(checkpoint.Step, new RunResult<TState>(state, checkpoint.Step, interrupts, _threadId));
                yield break;
            }

            var results = checkpoint.Next.Zip(outcomes).ToList();
            var next = _schema.Apply(state, results.Select(r => (r.First.Node, (IReadOnlyList<FieldWrite>)r.Second.Writes)).ToList(), step);
            var nextTasks = NextTasks(step, results.Select(r => (r.First.Node, r.Second)).ToList(), next);
            var ran = checkpoint.Next.Select(t => t.Node).ToList();
            checkpoint = new Checkpoint(_threadId, NewCheckpointId(), checkpoint.Id, step, config.TimeProvider.GetUtcNow(),
                _schema.Serialize(next), nextTasks, [.. checkpoint.Trail.Concat(ran).TakeLast(TrailLength)],
                new CheckpointMetadata("loop", ran, _runId));
            await _saver.PutAsync(checkpoint, cancellation);
            // Continue from the stored form, so a resumed run and an uninterrupted one see the same state.
            state = _schema.Deserialize(checkpoint.State);
            yield return new StepCompleted<TState>(step, ran, state, nextTasks.Select(t => t.Node).ToList());
        }

        span?.SetTag(AgentTelemetry.Outcome, "completed");
        yield return new RunFinished<TState>(checkpoint.Step, new RunResult<TState>(state, checkpoint.Step, [], _threadId));
    }

    private async Task<Checkpoint> StartAsync(TState input, CancellationToken cancellation)
    {
        var latest = await _saver.GetLatestAsync(_threadId, cancellation);
        var step = latest is null ? 0 : latest.Step + 1;
        var checkpoint = new Checkpoint(_threadId, NewCheckpointId(), latest?.Id, step, config.TimeProvider.GetUtcNow(),
            _schema.Serialize(input), NextTasks(step + 1, [(Graph.Start, TaskOutcome.Done([], [], []))], input),
            [Graph.Start], new CheckpointMetadata("input", [], _runId));
        await _saver.PutAsync(checkpoint, cancellation);
        return checkpoint;
    }

    private async Task<Checkpoint> ContinueAsync(Resume resume, CancellationToken cancellation)
    {
        var checkpoint = await _saver.GetLatestAsync(_threadId, cancellation) ?? throw new ThreadNotFoundException(_threadId);
        if (!resume.HasValue) return checkpoint;

        var pending = PendingWrites.Interrupts(checkpoint, await _saver.GetWritesAsync(_threadId, checkpoint.Id, cancellation));
        if (pending.Count == 0)
        {
            throw new InvalidOperationException($"thread '{_threadId}' is not waiting for input; resume it with Resume.Continue");
        }
        IEnumerable<(Interrupt Interrupt, object? Value)> answers;
        if (resume.ByInterruptId is { } byId)
        {
            foreach (var id in byId.Keys.Where(id => pending.All(p => p.Id != id)))
            {
                throw new ArgumentException($"thread '{_threadId}' has no pending interrupt '{id}' (pending: {string.Join(", ", pending.Select(p => p.Id))})");
            }
            answers = pending.Where(p => byId.ContainsKey(p.Id)).Select(p => (p, byId[p.Id]));
        }
        else if (pending.Count == 1)
        {
            answers = [(pending[0], resume.Value)];
        }
        else
        {
            throw new ArgumentException($"thread '{_threadId}' has {pending.Count} pending interrupts ({string.Join(", ", pending.Select(p => p.Id))}); "
                + "answer them with Resume.ById");
        }
        foreach (var (interrupt, value) in answers)
        {
            var taskId = interrupt.Id[..interrupt.Id.LastIndexOf('#')];
            await _saver.PutWriteAsync(_threadId, checkpoint.Id,
                new TaskWrite(taskId, interrupt.Node, TaskWrite.ResumeKind, JsonSerializer.SerializeToElement(value, _schema.Json)), cancellation);
        }
        return checkpoint;
    }

    private async Task<TaskOutcome> RunTaskAsync(Checkpoint checkpoint, int step, PendingTask task, TState input,
        IReadOnlyList<JsonElement> resumeValues, ChannelWriter<GraphEvent> events, ActivityContext parent, CancellationToken cancellation)
    {
        var node = graph.Nodes[task.Node];
        var policy = node.Retry ?? new RetryPolicy { MaxAttempts = 1 };
        var time = config.TimeProvider;
        for (var attempt = 1; ; attempt++)
        {
            using var span = AgentTelemetry.Source.StartActivity($"node {node.Name}", ActivityKind.Internal, parent);
            span?.SetTag(AgentTelemetry.NodeName, node.Name);
            span?.SetTag(AgentTelemetry.Step, step);
            span?.SetTag(AgentTelemetry.Attempt, attempt);
            span?.SetTag(AgentTelemetry.TaskId, task.Id);
            using var attemptCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            var context = new NodeContext(node.Name, task.Id, step, attempt, config.ThreadId, time, resumeValues, _schema.Json,
                e => events.TryWrite(e), attemptCancellation.Token);
            var started = time.GetTimestamp();
            try
            {
                var update = await RunAttemptAsync(node, input, context, attemptCancellation,
                    () => events.TryWrite(new NodeStarted(step, node.Name, task.Id, attempt)));
                var (gotos, sends) = CommandTargets(node, update);
                var payload = new TaskResultPayload(_schema.SerializeWrites(update.Writes), [.. gotos],
                    [.. sends.Select(s => new SendPayload(s.Node, _schema.Serialize(s.Input!)))]);
                await _saver.PutWriteAsync(_threadId, checkpoint.Id, new TaskWrite(task.Id, node.Name, TaskWrite.Result, PendingWrites.ToJson(payload)), cancellation);

                span?.SetTag(AgentTelemetry.InputTokens, context.Usage.InputTokens);
                span?.SetTag(AgentTelemetry.OutputTokens, context.Usage.OutputTokens);
                span?.SetTag(AgentTelemetry.Outcome, "ok");
                events.TryWrite(new NodeFinished(step, node.Name, task.Id, update.Writes.Select(w => w.Field).Distinct().ToList(),
                    [.. gotos, .. sends.Select(s => s.Node)], context.Usage, time.GetElapsedTime(started)));
                return TaskOutcome.Done([.. update.Writes], gotos, sends);
            }
            catch (GraphInterruptSignal signal)
            {
                var value = JsonSerializer.SerializeToElement(signal.Value, _schema.Json);
                await _saver.PutWriteAsync(_threadId, checkpoint.Id, new TaskWrite(task.Id, node.Name, TaskWrite.InterruptKind,
                    PendingWrites.ToJson(new InterruptPayload(signal.Index, value))), cancellation);
                var interrupt = new Interrupt($"{task.Id}#{signal.Index}", node.Name, signal.Index, value);
                span?.SetTag(AgentTelemetry.Outcome, "interrupted");
                events.TryWrite(new Interrupted(step, interrupt));
                return TaskOutcome.Paused(interrupt);
            }
            catch (Exception error) when (!cancellation.IsCancellationRequested)
            {
                span?.SetStatus(ActivityStatusCode.Error, error.Message);
                span?.AddException(error);
                if (attempt >= policy.MaxAttempts || !policy.RetryOn(error)) return TaskOutcome.Failed(error);

                TimeSpan delay;
                lock (config.Random) delay = policy.Delay(attempt + 1, config.Random);
                span?.SetTag(AgentTelemetry.Outcome, "retry");
                // Start the wait before announcing it: whoever advances a virtual clock on this event must find the timer.
                var wait = Task.Delay(delay, time, cancellation);
                events.TryWrite(new RetryScheduled(step, node.Name, attempt + 1, delay, error));
                span?.Dispose();
                await wait;
            }
        }
    }

    /// <summary>One attempt, cut off at the node's timeout; <paramref name="started"/> is told once the deadline is set.</summary>
    private static async Task<Update<TState>> RunAttemptAsync(NodeSpec<TState> node, TState input, NodeContext context,
        CancellationTokenSource attempt, Action started)
    {
        async Task<Update<TState>> Run()
        {
            NodeContext.Enter(context);
            return await node.Run(input, context)
                ?? throw new InvalidOperationException($"node '{node.Name}' returned null; return an empty Update to write nothing");
        }

        if (node.Timeout is not { } timeout)
        {
            started();
            return await Run();
        }

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(attempt.Token);
        var deadline = Task.Delay(timeout, context.Time, timer.Token);
        started();
        var work = Task.Run(Run, CancellationToken.None);
        if (await Task.WhenAny(work, deadline) != work)
        {
            attempt.Cancel();
            _ = work.ContinueWith(t => t.Exception, TaskScheduler.Default); // observed: the node may still fail as it unwinds
            throw new NodeTimeoutException(node.Name, timeout);
        }
        timer.Cancel();
        return await work;
    }

    /// <summary>Where a returned command goes; every target must be among the node's declared destinations.</summary>
    private static (List<string> Goto, List<Target<TState>> Sends) CommandTargets(NodeSpec<TState> node, Update<TState> update)
    {
        if (update is not Command<TState> command) return ([], []);
        var targets = command.Goto.Concat(command.Sends.Select(s => s.Node));
        foreach (var target in targets.Where(t => !node.Destinations.Contains(t)))
        {
            throw new InvalidOperationException(node.Destinations.Count == 0
                ? $"node '{node.Name}' returned a Command to '{target}' but declares no destinations; add destinations: [...] to its AddNode so the graph can be drawn"
                : $"node '{node.Name}' returned a Command to '{target}', which is not among its declared destinations ({string.Join(", ", node.Destinations)})");
        }
        return ([.. command.Goto], [.. command.Sends.Select(s => new Target<TState>(s.Node, s.Input))]);
    }

    /// <summary>The next step's tasks: each node's command targets, static edges and conditional edges (read on the new state).</summary>
    private List<PendingTask> NextTasks(int step, IReadOnlyList<(string Node, TaskOutcome Outcome)> results, TState state)
    {
        var targets = new List<Target<TState>>();
        foreach (var (_, outcome) in results)
        {
            targets.AddRange(outcome.Goto.Select(node => new Target<TState>(node, null)));
            targets.AddRange(outcome.Sends);
        }
        foreach (var source in results.Select(r => r.Node).Distinct())
        {
            targets.AddRange(graph.Edges.Where(e => e.From == source).Select(e => new Target<TState>(e.To, null)));
            foreach (var edge in graph.ConditionalEdges.Where(e => e.Source == source))
            {
                foreach (var target in edge.Route(state))
                {
                    if (!edge.Destinations.Contains(target.Node))
                    {
                        throw new InvalidOperationException($"conditional edge from '{source}' chose '{target.Node}', which is not among "
                            + $"its declared destinations ({string.Join(", ", edge.Destinations)})");
                    }
                    targets.Add(target);
                }
            }
        }

        var tasks = new List<PendingTask>();
        var plain = new HashSet<string>();
        foreach (var target in targets.Where(t => t.Node != Graph.End))
        {
            // A node reached by several edges runs once; each Send runs on its own.
            if (target.Input is null && !plain.Add(target.Node)) continue;
            var input = target.Input is null ? (JsonElement?)null : _schema.Serialize(target.Input);
            tasks.Add(new PendingTask($"{step}:{tasks.Count}:{target.Node}", target.Node, input));
        }
        return tasks;
    }

    private string NewCheckpointId() => Guid.CreateVersion7(config.TimeProvider.GetUtcNow()).ToString("n");

    private sealed record TaskOutcome(List<FieldWrite> Writes, List<string> Goto, List<Target<TState>> Sends, Interrupt? Interrupt, Exception? Error)
    {
        public static TaskOutcome Done(List<FieldWrite> writes, List<string> gotos, List<Target<TState>> sends) => new(writes, gotos, sends, null, null);
        public static TaskOutcome Paused(Interrupt interrupt) => new([], [], [], interrupt, null);
        public static TaskOutcome Failed(Exception error) => new([], [], [], null, error);
    }
}
