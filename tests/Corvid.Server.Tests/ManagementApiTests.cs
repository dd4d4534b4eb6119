using System.IO.Compression;
using System.Net;
using System.Text.Json.Nodes;
using Corvid.Serving.Tests;

namespace Corvid.Server.Tests;

/// <summary>TorchServe's management API against a live server with its own model store.</summary>
public class ManagementApiTests
{
    [Fact]
    public async Task List_and_describe_show_workers_queue_and_batching()
    {
        await using var live = await LiveServer.StartAsync(store => TestModels.AddOne(store, "m-describe",
            TestModels.Manifest("m-describe", "raw-tensor") with { Workers = 2, QueueSize = 7, Batching = new() { MaxBatchSize = 4, MaxBatchDelayMs = 25 } }));

        var list = JsonNode.Parse(await live.Client.GetStringAsync("/models"))!;
        Assert.Equal("m-describe", list["models"]![0]!["modelName"]!.GetValue<string>());
        Assert.Equal("m-describe", list["models"]![0]!["modelUrl"]!.GetValue<string>());

        var model = await live.DescribeAsync("m-describe");
        Assert.Equal("1.0", model["modelVersion"]!.GetValue<string>());
        Assert.Equal("READY", model["state"]!.GetValue<string>());
        Assert.Equal(2, model["workers"]!.AsArray().Count);
        Assert.Equal(4, model["batchSize"]!.GetValue<int>());
        Assert.Equal(25, model["maxBatchDelay"]!.GetValue<double>());
        Assert.Equal(7, model["jobQueueStatus"]!["remainingCapacity"]!.GetValue<int>());
        Assert.Equal(0, model["jobQueueStatus"]!["pendingRequests"]!.GetValue<int>());
    }

    [Fact]
    public async Task Register_a_zip_from_the_store_then_predict_scale_set_default_and_unregister()
    {
        await using var live = await LiveServer.StartAsync();
        var source = TestModels.ColourClassifier(TestModels.TempDirectory("src"), "m-colours", "2.0");
        ZipFile.CreateFromDirectory(source.Directory, Path.Combine(live.Store, "m-colours-2.zip"));
        TestModels.ColourClassifier(Path.Combine(live.Store, "v1"), "m-colours", "1.0");

        var register = await live.Client.PostAsync("/models?url=v1/m-colours&initial_workers=1", null);
        Assert.Equal(HttpStatusCode.OK, register.StatusCode);
        register = await live.Client.PostAsync("/models?url=m-colours-2.zip&batch_size=8&max_batch_delay=5", null);
        Assert.Equal(HttpStatusCode.OK, register.StatusCode);
        Assert.Contains("registered", await register.Content.ReadAsStringAsync());

        var all = JsonNode.Parse(await live.Client.GetStringAsync("/models/m-colours/all"))!.AsArray();
        Assert.Equal(["1.0", "2.0"], all.Select(m => m!["modelVersion"]!.GetValue<string>()));
        Assert.Equal(8, all[1]!["batchSize"]!.GetValue<int>());

        var predict = await live.PostBytesAsync("/predictions/m-colours/2.0", TestImages.Solid(new SkiaSharp.SKColor(250, 0, 0)));
        Assert.Equal(HttpStatusCode.OK, predict.StatusCode);
        Assert.Equal("red", JsonNode.Parse(await predict.Content.ReadAsStringAsync())!.AsObject().First().Key);

        var scale = await live.Client.PutAsync("/models/m-colours/2.0?min_worker=3", null);
        Assert.Equal(HttpStatusCode.OK, scale.StatusCode);
        Assert.Equal(3, JsonNode.Parse(await live.Client.GetStringAsync("/models/m-colours/2.0"))![0]!["workers"]!.AsArray().Count);

        Assert.True((await live.DescribeAsync("m-colours"))["isDefault"]!.GetValue<bool>());
        Assert.Equal("1.0", (await live.DescribeAsync("m-colours"))["modelVersion"]!.GetValue<string>());
        var setDefault = await live.Client.PutAsync("/models/m-colours/2.0/set-default", null);
        Assert.Equal(HttpStatusCode.OK, setDefault.StatusCode);
        Assert.Equal("2.0", (await live.DescribeAsync("m-colours"))["modelVersion"]!.GetValue<string>());

        var extracted = Path.GetDirectoryName(live.Server.State.Registry.Find("m-colours", "2.0")!.Package.Directory)!;
        Assert.True(Directory.Exists(extracted));

        var delete = await live.Client.DeleteAsync("/models/m-colours/2.0");
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await live.PostBytesAsync("/predictions/m-colours/2.0", TestImages.Pattern())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await live.PostBytesAsync("/predictions/m-colours", TestImages.Pattern())).StatusCode);

        await live.DisposeAsync();
        Assert.False(Directory.Exists(extracted)); // unpacked archives are removed at shutdown
    }

    [Fact]
    public async Task Registration_outside_the_store_or_of_a_corrupted_archive_fails_clearly_and_the_server_keeps_serving()
    {
        await using var live = await LiveServer.StartAsync(store => TestModels.AddOne(store, "m-keeps"));
        await File.WriteAllTextAsync(Path.Combine(live.Store, "corrupt.zip"), "PK\u0003\u0004 truncated garbage");

        var outside = await live.Client.PostAsync("/models?url=../../etc", null);
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
        Assert.Contains("outside the model store", await outside.Content.ReadAsStringAsync());

        var remote = await live.Client.PostAsync("/models?url=https://example.org/resnet.mar", null);
        Assert.Equal(HttpStatusCode.BadRequest, remote.StatusCode);

        var corrupt = await live.Client.PostAsync("/models?url=corrupt.zip", null);
        Assert.Equal(HttpStatusCode.BadRequest, corrupt.StatusCode);
        var detail = JsonNode.Parse(await corrupt.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>();
        Assert.Contains("corrupt.zip", detail);
        Assert.Contains("zip", detail);

        var still = await live.PostJsonAsync("/predictions/m-keeps", LiveServer.RawRow(3));
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
        Assert.Equal(["m-keeps"], JsonNode.Parse(await live.Client.GetStringAsync("/models"))!["models"]!.AsArray().Select(m => m!["modelName"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Describing_or_scaling_an_unknown_model_is_404_and_a_bad_parameter_400()
    {
        await using var live = await LiveServer.StartAsync(store => TestModels.AddOne(store, "m-params"));
        Assert.Equal(HttpStatusCode.NotFound, (await live.Client.GetAsync("/models/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await live.Client.PutAsync("/models/nope?min_worker=2", null)).StatusCode);
        var bad = await live.Client.PutAsync("/models/m-params?min_worker=many", null);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("min_worker", await bad.Content.ReadAsStringAsync());
    }
}
