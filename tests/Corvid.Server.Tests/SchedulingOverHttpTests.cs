using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Corvid.Serving.Models;
using Corvid.Serving.Tests;

namespace Corvid.Server.Tests;

/// <summary>The queue, batching, timeouts and workers, observed as a client sees them.</summary>
public class SchedulingOverHttpTests
{
    private static Task<LiveServer> StartWith(string name, Func<ModelManifest, ModelManifest> configure, Action<ServerOptions>? options = null) =>
        LiveServer.StartAsync(store => TestModels.AddOne(store, name, configure(TestModels.Manifest(name, "raw-tensor"))), options);

    private static double Metric(string metrics, string name, string model, string? extraLabel = null)
    {
        // One Prometheus sample line: name{labels} value
        foreach (var line in metrics.Split('\n'))
        {
            if (!line.StartsWith(name + "{", StringComparison.Ordinal) || !line.Contains($"model=\"{model}\"")) continue;
            if (extraLabel is not null && !line.Contains(extraLabel)) continue;
            return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        return double.NaN;
    }

    [Fact]
    public async Task A_full_queue_answers_503_at_once_with_json_and_retry_after()
    {
        await using var live = await StartWith("q-full", m => m with { Workers = 0, QueueSize = 2 });
        var waiting = Enumerable.Range(0, 2).Select(i => live.PostJsonAsync("/predictions/q-full", LiveServer.RawRow(i))).ToList();
        await LiveServer.WaitUntilAsync(async () => (await live.DescribeAsync("q-full"))["jobQueueStatus"]!["pendingRequests"]!.GetValue<int>() == 2, "two queued requests");

        var refused = await live.PostJsonAsync("/predictions/q-full", LiveServer.RawRow(9));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter!.Delta);
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.Contains("queue is full", problem["detail"]!.GetValue<string>());
        Assert.Equal("QueueFull", problem["title"]!.GetValue<string>());

        // Workers arrive and the queued two are served.
        await live.Client.PutAsync("/models/q-full?min_worker=1", null);
        foreach (var response in await Task.WhenAll(waiting)) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Batching_forms_batches_and_the_batch_size_histogram_shows_it()
    {
        await using var live = await StartWith("b-batch", m => m with { Workers = 0, Batching = new() { MaxBatchSize = 4, MaxBatchDelayMs = 60_000 } });
        var requests = Enumerable.Range(0, 4).Select(i => live.PostJsonAsync("/predictions/b-batch", LiveServer.RawRow(i))).ToList();
        await LiveServer.WaitUntilAsync(async () => (await live.DescribeAsync("b-batch"))["jobQueueStatus"]!["pendingRequests"]!.GetValue<int>() == 4, "four queued requests");

        await live.Client.PutAsync("/models/b-batch?min_worker=1", null);
        var responses = await Task.WhenAll(requests);

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, responses[i].StatusCode);
            Assert.Equal(i + 1f, JsonNode.Parse(await responses[i].Content.ReadAsStringAsync())!["y"]!["data"]![0]!.GetValue<float>());
        }
        var metrics = await live.MetricsAsync();
        Assert.Equal(0, Metric(metrics, "corvid_batch_size_bucket", "b-batch", "le=\"3\""));
        Assert.Equal(1, Metric(metrics, "corvid_batch_size_bucket", "b-batch", "le=\"4\""));
        Assert.Equal(4, Metric(metrics, "corvid_batch_size_sum", "b-batch"));
    }

    [Fact]
    public async Task No_answer_within_the_response_timeout_is_504()
    {
        await using var live = await StartWith("t-timeout", m => m with { Workers = 0, ResponseTimeoutSeconds = 0.5 });
        var response = await live.PostJsonAsync("/predictions/t-timeout", LiveServer.RawRow(1));
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("response timeout", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, (await live.DescribeAsync("t-timeout"))["jobQueueStatus"]!["pendingRequests"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_client_that_disconnects_has_its_queued_request_dropped()
    {
        await using var live = await StartWith("d-drop", m => m with { Workers = 0 });
        using var client = new CancellationTokenSource();
        var abandoned = live.PostJsonAsync("/predictions/d-drop", LiveServer.RawRow(1), client.Token);
        await LiveServer.WaitUntilAsync(async () => (await live.DescribeAsync("d-drop"))["jobQueueStatus"]!["pendingRequests"]!.GetValue<int>() == 1, "the request to be queued");

        client.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);

        await LiveServer.WaitUntilAsync(async () => (await live.DescribeAsync("d-drop"))["jobQueueStatus"]!["pendingRequests"]!.GetValue<int>() == 0, "the queue to empty");
        var metrics = await live.MetricsAsync();
        Assert.Equal(1, Metric(metrics, "corvid_requests_dropped_total", "d-drop", "reason=\"client_disconnected\""));
        // The dropped request never ran: once a worker starts, only the next request makes a batch.
        await live.Client.PutAsync("/models/d-drop?min_worker=1", null);
        Assert.Equal(HttpStatusCode.OK, (await live.PostJsonAsync("/predictions/d-drop", LiveServer.RawRow(2))).StatusCode);
        Assert.Equal(1, (await live.DescribeAsync("d-drop"))["workers"]![0]!["batchesRun"]!.GetValue<int>());
    }

    [Fact]
    public async Task Scaling_up_and_down_under_load_answers_every_request()
    {
        await using var live = await StartWith("s-scale", m => m with { Workers = 1, Batching = new() { MaxBatchSize = 2, MaxBatchDelayMs = 2 } });
        var load = Enumerable.Range(0, 80).Select(async i =>
        {
            await Task.Delay(i * 4);
            return await live.PostJsonAsync("/predictions/s-scale", LiveServer.RawRow(i));
        }).ToList();

        foreach (var workers in new[] { 3, 1, 0, 2 })
        {
            Assert.Equal(HttpStatusCode.OK, (await live.Client.PutAsync($"/models/s-scale?min_worker={workers}", null)).StatusCode);
            await Task.Delay(40);
        }
        var responses = await Task.WhenAll(load);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(2, (await live.DescribeAsync("s-scale"))["workers"]!.AsArray().Count);
    }

    [Fact]
    public async Task Metrics_count_requests_by_status_and_show_queue_depth_and_times()
    {
        await using var live = await StartWith("m-metrics", m => m);
        await live.PostJsonAsync("/predictions/m-metrics", LiveServer.RawRow(1));
        await live.PostJsonAsync("/predictions/m-metrics", LiveServer.RawRow(2));
        await live.PostJsonAsync("/predictions/m-metrics", """{"data": "no"}""");

        var response = await live.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var metrics = await response.Content.ReadAsStringAsync();

        Assert.Equal(2, Metric(metrics, "corvid_requests_total", "m-metrics", "status=\"200\""));
        Assert.Equal(1, Metric(metrics, "corvid_requests_total", "m-metrics", "status=\"400\""));
        Assert.Equal(0, Metric(metrics, "corvid_queue_depth", "m-metrics"));
        // All three waited in the queue (the worker preprocesses, and found the third body bad); two reached the model.
        Assert.Equal(3, Metric(metrics, "corvid_queue_time_milliseconds_count", "m-metrics"));
        Assert.Equal(2, Metric(metrics, "corvid_inference_time_milliseconds_count", "m-metrics"));
        Assert.Matches(new Regex("# TYPE corvid_batch_size histogram"), metrics);
    }

    [Fact]
    public async Task Flood_at_ten_times_the_queue_gets_only_200_or_503_and_memory_stays_bounded()
    {
        // The unit suite floods for 5 s; tools/serving-flood.sh runs the full 30 s against `corvid serve`.
        await using var live = await StartWith("f-flood", m => m with { Workers = 1, QueueSize = 20, Batching = new() { MaxBatchSize = 4, MaxBatchDelayMs = 1 } });
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 400 }) { BaseAddress = live.BaseAddress };
        GC.Collect();
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<HttpStatusCode, int>();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);

        var clients = Enumerable.Range(0, 200).Select(async c =>
        {
            while (DateTime.UtcNow < until)
            {
                using var response = await client.PostAsync("/predictions/f-flood", new StringContent(LiveServer.RawRow(c), System.Text.Encoding.UTF8, "application/json"));
                statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
            }
        });
        await Task.WhenAll(clients);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable], statuses.Keys.Order());
        Assert.True(statuses[HttpStatusCode.OK] > 0);
        GC.Collect();
        var growth = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;
        Assert.True(growth < 64 << 20, $"managed memory grew by {growth >> 20} MB during the flood");
        Assert.Equal(HttpStatusCode.OK, (await live.Client.GetAsync("/ping")).StatusCode);
    }
}
