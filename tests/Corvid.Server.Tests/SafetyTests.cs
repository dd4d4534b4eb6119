using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Corvid.Serving.Tests;

namespace Corvid.Server.Tests;

public class SafetyTests
{
    [Fact]
    public async Task Binds_loopback_by_default()
    {
        Assert.Equal("127.0.0.1", new ServerOptions().Host);
        await using var live = await LiveServer.StartAsync();
        Assert.Equal("127.0.0.1", live.BaseAddress.Host);
    }

    [Fact]
    public async Task An_oversized_body_is_413()
    {
        await using var live = await LiveServer.StartAsync(store => TestModels.AddOne(store, "z-size"), o => o.MaxRequestBytes = 1000);
        var response = await live.PostBytesAsync("/predictions/z-size", new byte[5000]);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("too large", (await response.Content.ReadAsStringAsync()).ToLowerInvariant());
    }

    [Fact]
    public async Task Inference_and_management_keys_are_separate()
    {
        await using var live = await LiveServer.StartAsync(store => TestModels.AddOne(store, "k-keys"), o =>
        {
            o.InferenceKey = "infer-secret";
            o.ManagementKey = "manage-secret";
        });

        var anonymous = await live.PostJsonAsync("/predictions/k-keys", LiveServer.RawRow(1));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Bearer", JsonNode.Parse(await anonymous.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>());

        using var infer = new HttpRequestMessage(HttpMethod.Post, "/predictions/k-keys") { Content = new StringContent(LiveServer.RawRow(1)) };
        infer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "infer-secret");
        Assert.Equal(HttpStatusCode.OK, (await live.Client.SendAsync(infer)).StatusCode);

        using var v2 = new HttpRequestMessage(HttpMethod.Get, "/v2/models/k-keys");
        v2.Headers.Add("X-API-Key", "infer-secret");
        Assert.Equal(HttpStatusCode.OK, (await live.Client.SendAsync(v2)).StatusCode);

        using var manageWithInferKey = new HttpRequestMessage(HttpMethod.Get, "/models");
        manageWithInferKey.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "infer-secret");
        Assert.Equal(HttpStatusCode.Unauthorized, (await live.Client.SendAsync(manageWithInferKey)).StatusCode);

        using var manage = new HttpRequestMessage(HttpMethod.Get, "/models");
        manage.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "manage-secret");
        Assert.Equal(HttpStatusCode.OK, (await live.Client.SendAsync(manage)).StatusCode);

        // Probes and metrics stay open for orchestrators and Prometheus.
        Assert.Equal(HttpStatusCode.OK, (await live.Client.GetAsync("/ping")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await live.Client.GetAsync("/v2/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await live.Client.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Stopping_turns_readiness_false_and_finishes_in_flight_requests()
    {
        await using var live = await LiveServer.StartAsync(store => TestModels.AddOne(store, "g-drain",
            TestModels.Manifest("g-drain", "raw-tensor") with { Workers = 1, Batching = new() { MaxBatchSize = 8, MaxBatchDelayMs = 1500 } }));
        var inFlight = live.PostJsonAsync("/predictions/g-drain", LiveServer.RawRow(1));
        await LiveServer.WaitUntilAsync(async () => (await live.DescribeAsync("g-drain"))["jobQueueStatus"]!["pendingRequests"]!.GetValue<int>() == 1, "the request to be queued");

        var stopping = live.Server.StopAsync();
        await LiveServer.WaitUntilAsync(() => Task.FromResult(live.Server.State.Draining), "draining to begin");
        var ready = await live.Client.GetAsync("/v2/health/ready");
        var late = await live.PostJsonAsync("/predictions/g-drain", LiveServer.RawRow(2));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, late.StatusCode);
        var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2f, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["y"]!["data"]![0]!.GetValue<float>());
        await stopping;
    }
}
