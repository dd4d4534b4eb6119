using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Corvid.Serving.Models;
using Corvid.Serving.Tests;
using Corvid.Tensors.IO;

namespace Corvid.Server.Tests;

/// <summary>One live server with the Fashion-MNIST model (corvid runtime) beside an ONNX model, and broken corvid models in its store.</summary>
public sealed class CorvidRuntimeServerFixture : IAsyncLifetime
{
    public LiveServer Live { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Live = await LiveServer.StartAsync(store =>
        {
            FashionMnistFiles.CopyModel(store);
            TestModels.ColourClassifier(store, "colours");
            // Broken at start-up: its requests must get the load error while the others serve.
            var broken = FashionMnistFiles.CopyModel(store, "broken-at-start");
            EditManifest(broken, m => m with { Name = "broken-at-start" });
            File.WriteAllText(Path.Combine(broken, "model.json"), File.ReadAllText(Path.Combine(broken, "model.json")).Replace("\"relu\"", "\"rectifier\""));
        });
    }

    public static void EditManifest(string folder, Func<ModelManifest, ModelManifest> edit)
    {
        var path = Path.Combine(folder, ModelManifest.FileName);
        File.WriteAllText(path, edit(ModelManifest.Parse(File.ReadAllText(path), path)).ToJson());
    }

    public async Task DisposeAsync() => await Live.DisposeAsync();
}

public class CorvidRuntimeServerTests(CorvidRuntimeServerFixture fixture) : IClassFixture<CorvidRuntimeServerFixture>
{
    private LiveServer Live => fixture.Live;

    private static void AssertTop5(JsonNode expected, JsonObject actual, string what)
    {
        var top5 = expected["top5"]!.AsArray();
        Assert.Equal(top5.Select(t => t!["label"]!.GetValue<string>()), actual.Select(kv => kv.Key));
        foreach (var t in top5)
        {
            var p = actual[t!["label"]!.GetValue<string>()]!.GetValue<float>();
            Assert.True(Math.Abs(t["probability"]!.GetValue<float>() - p) < 1e-4f, $"{what}: {t["label"]} PyTorch {t["probability"]}, server {p}");
        }
    }

    [Fact]
    public async Task A_PNG_posted_TorchServe_style_gets_PyTorch_top5_labels_and_the_ONNX_model_serves_beside_it()
    {
        foreach (var (file, expected) in FashionMnistFiles.Reference["png"]!.AsObject())
        {
            var response = await Live.PostBytesAsync("/predictions/fashion-mnist", FashionMnistFiles.Png(file));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            AssertTop5(expected!, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject(), file);
        }
        var colours = await Live.PostBytesAsync("/predictions/colours", TestImages.Solid(new SkiaSharp.SKColor(0, 0, 250)));
        Assert.Equal(HttpStatusCode.OK, colours.StatusCode);
        Assert.Equal("blue", JsonNode.Parse(await colours.Content.ReadAsStringAsync())!.AsObject().First().Key);

        var described = await Live.DescribeAsync("fashion-mnist");
        Assert.Equal("corvid", described["runtime"]!.GetValue<string>());
        Assert.Equal("READY", described["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Concurrent_requests_batched_together_each_get_their_own_answer()
    {
        var answers = FashionMnistFiles.Reference["png"]!.AsObject().ToList();
        var requests = Enumerable.Range(0, 24).Select(async i =>
        {
            var (file, expected) = answers[i % answers.Count];
            var response = await Live.PostBytesAsync("/predictions/fashion-mnist", FashionMnistFiles.Png(file));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            AssertTop5(expected!, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject(), file);
        });
        await Task.WhenAll(requests);
    }

    [Fact]
    public async Task KServe_v2_metadata_and_infer_with_a_json_tensor_give_PyTorch_logits()
    {
        var metadata = JsonNode.Parse(await Live.Client.GetStringAsync("/v2/models/fashion-mnist"))!;
        Assert.Equal("corvid", metadata["platform"]!.GetValue<string>());
        Assert.Equal("""[{"name":"image","datatype":"FP32","shape":[-1,1,28,28]}]""", metadata["inputs"]!.ToJsonString());
        Assert.Equal("""[{"name":"logits","datatype":"FP32","shape":[-1,10]}]""", metadata["outputs"]!.ToJsonString());

        var sample = FashionMnistFiles.Sample();
        var mean = FashionMnistFiles.Reference["mean"]!.GetValue<float>();
        var std = FashionMnistFiles.Reference["std"]!.GetValue<float>();
        var pixels = new float[3 * 784];
        sample.Normalize([10, 11, 12], pixels, mean, std);
        var request = new StringBuilder("""{"inputs": [{"name": "image", "shape": [3, 1, 28, 28], "datatype": "FP32", "data": [""");
        request.AppendJoin(',', pixels.Select(p => p.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        request.Append("]}]}");

        var response = await Live.PostJsonAsync("/v2/models/fashion-mnist/infer", request.ToString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var output = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["outputs"]![0]!;
        Assert.Equal("logits", output["name"]!.GetValue<string>());
        Assert.Equal("[3,10]", output["shape"]!.ToJsonString());
        var data = output["data"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
        for (var row = 0; row < 3; row++)
        {
            var expected = FashionMnistFiles.ReferenceLogits(10 + row);
            for (var c = 0; c < 10; c++)
            {
                Assert.True(Math.Abs(expected[c] - data[row * 10 + c]) < 2e-4f * Math.Max(1, Math.Abs(expected[c])), $"image {10 + row} class {c}: PyTorch {expected[c]}, server {data[row * 10 + c]}");
            }
        }

        var wrongShape = await Live.PostJsonAsync("/v2/models/fashion-mnist/infer",
            """{"inputs": [{"name": "image", "shape": [1, 3, 28, 28], "datatype": "FP32", "data": [0]}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, wrongShape.StatusCode);
        Assert.Contains("[-1,1,28,28]", await wrongShape.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_model_that_failed_to_load_answers_with_its_error_while_the_others_serve()
    {
        var response = await Live.PostBytesAsync("/predictions/broken-at-start", FashionMnistFiles.Png("sample-0.png"));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var detail = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>();
        Assert.Contains("layers[2] (rectifier): layer type 'rectifier' is unknown", detail);
        Assert.Equal(HttpStatusCode.OK, (await Live.PostBytesAsync("/predictions/fashion-mnist", FashionMnistFiles.Png("sample-0.png"))).StatusCode);
    }

    public static TheoryData<string, string> BrokenFolders => new()
    {
        { "bad-definition", "layers[10] (relu): unknown field 'inplace'" },
        { "missing-weight", "tensor '9.bias' (layers[9] (linear), shape [64]) is missing" },
        { "wrong-shape", "tensor '0.weight' has shape [16, 1, 3, 3] in the file but layers[0] (conv2d) needs [16, 1, 5, 5]" },
    };

    [Theory]
    [MemberData(nameof(BrokenFolders))]
    public async Task Registering_a_broken_corvid_model_fails_clearly_and_the_server_keeps_serving(string kind, string expected)
    {
        var folder = FashionMnistFiles.CopyModel(Live.Store, "reg-" + kind);
        CorvidRuntimeServerFixture.EditManifest(folder, m => m with { Name = "reg-" + kind });
        var definition = Path.Combine(folder, "model.json");
        var weights = Path.Combine(folder, "model.safetensors");
        switch (kind)
        {
            case "bad-definition":
                var layers = JsonNode.Parse(File.ReadAllText(definition))!;
                layers["layers"]![10]!["inplace"] = true;
                File.WriteAllText(definition, layers.ToJsonString());
                break;
            case "missing-weight":
                var tensors = SafeTensors.Load(weights).Tensors.Where(kv => kv.Key != "9.bias").ToDictionary();
                SafeTensors.Save(weights, tensors);
                break;
            case "wrong-shape":
                var json = JsonNode.Parse(File.ReadAllText(definition))!;
                json["layers"]![0]!["kernel_size"] = 5;
                json["layers"]![0]!["padding"] = 2;
                File.WriteAllText(definition, json.ToJsonString());
                break;
        }

        var register = await Live.Client.PostAsync($"/models?url=reg-{kind}", null);
        Assert.Equal(HttpStatusCode.BadRequest, register.StatusCode);
        var detail = JsonNode.Parse(await register.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>();
        Assert.Contains(expected, detail);
        Assert.Contains($"reg-{kind}", detail);

        Assert.Equal(HttpStatusCode.OK, (await Live.PostBytesAsync("/predictions/fashion-mnist", FashionMnistFiles.Png("sample-1.png"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Live.PostBytesAsync("/predictions/colours", TestImages.Solid(new SkiaSharp.SKColor(250, 0, 0)))).StatusCode);
    }
}
