using System.Diagnostics;
using Corvid.Serving.Models;
using Corvid.Serving.Runtimes;
using Corvid.Serving.Scheduling;
using Corvid.Serving.Tensors;

namespace Corvid.Serving.Tests;

public class SchedulerTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
    private readonly ModelRegistry _registry = new(ModelRuntimes.Default());
    private readonly string _store = TestModels.TempDirectory("sched");

    private ModelVersionHost AddOne(int workers = 1, int queue = 100, int batch = 1, double delayMs = 0, double timeoutSeconds = 120, string name = "add-one")
    {
        var manifest = TestModels.Manifest(name, "raw-tensor") with
        {
            Workers = workers,
            QueueSize = queue,
            Batching = new BatchingOptions { MaxBatchSize = batch, MaxBatchDelayMs = delayMs },
            ResponseTimeoutSeconds = timeoutSeconds,
        };
        return _registry.Add(TestModels.AddOne(_store, name, manifest));
    }

    private static IReadOnlyList<NamedTensor> Row(float v) => [NamedTensor.Float32("x", [1, 4], [v, v, v, v])];

    [Fact]
    public async Task A_request_comes_back_through_queue_and_worker()
    {
        var host = AddOne();
        var outputs = await host.InferAsync(Row(41), CancellationToken.None).WaitAsync(Generous);
        Assert.Equal([42f, 42f, 42f, 42f], (float[])outputs[0].Data);
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once_naming_the_capacity()
    {
        var host = AddOne(workers: 0, queue: 2);
        using var cts = new CancellationTokenSource();
        var waiting = new[] { host.InferAsync(Row(1), cts.Token), host.InferAsync(Row(2), cts.Token) };

        var e = await Assert.ThrowsAsync<QueueFullException>(() => host.InferAsync(Row(3), CancellationToken.None));

        Assert.Contains("queue is full", e.Message);
        Assert.Contains("2 requests", e.Message);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(waiting));
    }

    [Fact]
    public async Task Queued_requests_run_together_as_one_batch()
    {
        var host = AddOne(workers: 0, batch: 4, delayMs: 60_000);
        var requests = Enumerable.Range(0, 4).Select(i => host.InferAsync(Row(i), CancellationToken.None)).ToList();
        Assert.Equal(4, host.QueueDepth);

        host.ScaleWorkers(1);
        var results = await Task.WhenAll(requests).WaitAsync(Generous);

        for (var i = 0; i < 4; i++) Assert.Equal(i + 1f, ((float[])results[i][0].Data)[0]); // each gets its own row back
        Assert.Equal(1, host.Workers.Single().BatchesRun);
    }

    [Fact]
    public async Task The_batch_delay_counts_from_the_oldest_requests_arrival()
    {
        var queue = new RequestQueue(10);
        // Arrived an hour ago; the delay is a minute. Counting from pickup would block for a minute.
        var oldest = new InferenceRequest(Row(1), Stopwatch.GetTimestamp() - Stopwatch.Frequency * 3600);
        queue.TryEnqueue(oldest);
        var settings = new BatchingSettings(8, TimeSpan.FromMinutes(1));

        var take = Task.Run(() => queue.TakeBatch(() => settings, () => false));

        var batch = await take.WaitAsync(Generous); // counting from pickup would time out here
        Assert.Same(oldest, Assert.Single(batch!));
    }

    [Fact]
    public async Task A_young_batch_waits_for_more_requests_until_full()
    {
        var queue = new RequestQueue(10);
        var settings = new BatchingSettings(3, TimeSpan.FromMinutes(10));
        queue.TryEnqueue(new InferenceRequest(Row(1)));
        var take = Task.Run(() => queue.TakeBatch(() => settings, () => false));
        await Task.Delay(200);
        Assert.False(take.IsCompleted); // not full, delay far away: keeps waiting

        queue.TryEnqueue(new InferenceRequest(Row(2)));
        queue.TryEnqueue(new InferenceRequest(Row(3)));

        var batch = await take.WaitAsync(Generous);
        Assert.Equal(3, batch!.Count);
    }

    [Fact]
    public async Task No_answer_within_the_response_timeout_is_a_timeout_and_leaves_the_queue()
    {
        var host = AddOne(workers: 0, timeoutSeconds: 0.3);
        var e = await Assert.ThrowsAsync<ResponseTimeoutException>(() => host.InferAsync(Row(1), CancellationToken.None)).WaitAsync(Generous);
        Assert.Contains("0.3 s", e.Message);
        Assert.Equal(0, host.QueueDepth);
    }

    [Fact]
    public async Task A_client_that_leaves_has_its_queued_request_dropped_and_never_run()
    {
        var host = AddOne(workers: 0);
        using var client = new CancellationTokenSource();
        var abandoned = host.InferAsync(Row(1), client.Token);
        Assert.Equal(1, host.QueueDepth);

        client.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned).WaitAsync(Generous);
        Assert.Equal(0, host.QueueDepth);

        host.ScaleWorkers(1);
        await host.InferAsync(Row(2), CancellationToken.None).WaitAsync(Generous);
        Assert.Equal(1, host.Workers.Single().BatchesRun); // only the second request ran
    }

    [Fact]
    public async Task A_model_that_throws_fails_its_own_requests_and_not_others()
    {
        var good = AddOne();
        var broken = _registry.Add(TestModels.FailsAtRun(_store));

        var e = await Assert.ThrowsAsync<ModelFailedException>(() => broken.InferAsync(Row(1), CancellationToken.None)).WaitAsync(Generous);
        Assert.Contains("broken", e.Message);
        Assert.Contains("Reshape", e.Message, StringComparison.OrdinalIgnoreCase);

        var outputs = await good.InferAsync(Row(1), CancellationToken.None).WaitAsync(Generous);
        Assert.Equal(2f, ((float[])outputs[0].Data)[0]);
        // And the broken model's worker is still alive for the next request.
        await Assert.ThrowsAsync<ModelFailedException>(() => broken.InferAsync(Row(1), CancellationToken.None)).WaitAsync(Generous);
    }

    [Fact]
    public async Task A_model_that_fails_to_load_is_listed_as_failed_with_its_error()
    {
        var dir = Path.Combine(_store, "junk");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "model.onnx"), "not onnx");
        File.WriteAllText(Path.Combine(dir, "manifest.json"), TestModels.Manifest("junk", "raw-tensor").ToJson());

        var host = _registry.Add(ModelPackage.FromDirectory(dir));

        Assert.Equal(ModelState.Failed, host.State);
        var e = await Assert.ThrowsAsync<ModelFailedException>(() => host.InferAsync(Row(1), CancellationToken.None));
        Assert.Contains("failed to load", e.Message);
        Assert.Same(host, _registry.Find("junk"));
    }

    [Fact]
    public async Task Scaling_up_and_down_under_load_loses_no_request()
    {
        var host = AddOne(workers: 1, batch: 2, delayMs: 5);
        var load = Enumerable.Range(0, 60).Select(async i =>
        {
            await Task.Delay(i * 5);
            return await host.InferAsync(Row(i), CancellationToken.None);
        }).ToList();

        host.ScaleWorkers(3);
        await Task.Delay(50);
        host.ScaleWorkers(0);
        await Task.Delay(50);
        host.ScaleWorkers(2);

        var results = await Task.WhenAll(load).WaitAsync(Generous);
        for (var i = 0; i < results.Length; i++) Assert.Equal(i + 1f, ((float[])results[i][0].Data)[0]);
        Assert.Equal(2, host.Workers.Count);
    }

    [Fact]
    public void Workers_split_the_cores_between_them()
    {
        var host = AddOne(workers: 2);
        var expected = Math.Max(1, Environment.ProcessorCount / 2);
        Assert.All(host.Workers, w => Assert.Equal(expected, w.IntraOpThreads));
    }

    [Fact]
    public async Task Stopping_finishes_accepted_requests_and_refuses_new_ones()
    {
        var host = AddOne(workers: 1, batch: 8, delayMs: 300);
        var inFlight = host.InferAsync(Row(1), CancellationToken.None);

        var stopping = host.StopAsync(Generous);
        await Assert.ThrowsAsync<ModelUnavailableException>(() => host.InferAsync(Row(2), CancellationToken.None));
        var result = await inFlight.WaitAsync(Generous);
        await stopping.WaitAsync(Generous);

        Assert.Equal(2f, ((float[])result[0].Data)[0]);
        Assert.Equal(ModelState.Stopped, host.State);
    }

    [Fact]
    public async Task Requests_left_when_the_drain_timeout_ends_are_answered_not_abandoned()
    {
        var host = AddOne(workers: 0);
        var stranded = host.InferAsync(Row(1), CancellationToken.None);

        Assert.Equal(1, host.QueueDepth);
        await host.StopAsync(TimeSpan.FromMilliseconds(100)).WaitAsync(Generous);
        Assert.Equal(0, host.QueueDepth);

        var e = await Assert.ThrowsAsync<ModelUnavailableException>(() => stranded).WaitAsync(Generous);
        Assert.Contains("stopped before this request ran", e.Message);
    }

    [Fact]
    public void Versions_have_a_default_that_can_be_changed()
    {
        var v1 = _registry.Add(TestModels.ColourClassifier(_store, "colours", "1.0"));
        var v2 = _registry.Add(TestModels.ColourClassifier(_store, "colours", "2.0"));
        Assert.Same(v1, _registry.Find("colours"));
        Assert.True(_registry.SetDefault("colours", "2.0"));
        Assert.Same(v2, _registry.Find("colours"));
        Assert.Same(v1, _registry.Find("colours", "1.0"));
        Assert.Throws<ModelLoadException>(() => _registry.Add(TestModels.ColourClassifier(_store, "colours", "2.0")));
    }

    public void Dispose() => _registry.Dispose();
}
