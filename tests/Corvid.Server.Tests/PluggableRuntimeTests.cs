using System.Net;
using System.Text.Json.Nodes;
using Corvid.Serving.Models;
using Corvid.Serving.Runtimes;
using Corvid.Serving.Tensors;

namespace Corvid.Server.Tests;

/// <summary>
/// A runtime written outside Corvid.Serving (registered here under the name <c>corvid</c>, in place of the
/// engine's own runtime) is served through the same queue, workers and APIs with no change to either.
/// </summary>
public class PluggableRuntimeTests
{
    /// <summary>"Weights" in a text file: one scale factor; y = scale × x over (N,4) rows.</summary>
    private sealed class ScaleRuntime : IModelRuntime
    {
        public string Name => "corvid";

        public ILoadedModel Load(ModelPackage package) => new Loaded(float.Parse(File.ReadAllText(package.WeightsPath), System.Globalization.CultureInfo.InvariantCulture));

        private sealed class Loaded(float scale) : ILoadedModel
        {
            public IReadOnlyList<TensorSpec> Inputs { get; } = [new("x", TensorDataType.Float32, [-1, 4])];
            public IReadOnlyList<TensorSpec> Outputs { get; } = [new("y", TensorDataType.Float32, [-1, 4])];
            public IModelExecutor CreateExecutor(int intraOpThreads) => new Executor(scale);
            public void Dispose() { }
        }

        private sealed class Executor(float scale) : IModelExecutor
        {
            public IReadOnlyList<NamedTensor> Run(IReadOnlyList<NamedTensor> inputs)
            {
                var x = (float[])inputs[0].Data;
                return [NamedTensor.Float32("y", inputs[0].Shape, x.Select(v => v * scale).ToArray())];
            }

            public void Dispose() { }
        }
    }

    [Fact]
    public async Task A_new_runtime_serves_over_torchserve_and_kserve_routes()
    {
        var store = Serving.Tests.TestModels.TempDirectory("runtime");
        var dir = Path.Combine(store, "scaler");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "weights.txt"), "3");
        File.WriteAllText(Path.Combine(dir, ModelManifest.FileName),
            (new ModelManifest { Name = "scaler", Runtime = "corvid", Handler = "raw-tensor", Weights = "weights.txt" }).ToJson());

        var options = new ServerOptions { Port = 0, ModelStore = store, LoadDefaultModel = false };
        await using var server = CorvidServer.Create(options, runtimes: new ModelRuntimes([new ScaleRuntime()]));
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(server.Addresses.Single()) };

        var torchServe = await client.PostAsync("/predictions/scaler", new StringContent(LiveServer.RawRow(2)));
        Assert.Equal(HttpStatusCode.OK, torchServe.StatusCode);
        Assert.Equal("[6,6,6,6]", JsonNode.Parse(await torchServe.Content.ReadAsStringAsync())!["y"]!["data"]!.ToJsonString());

        var v2 = await client.PostAsync("/v2/models/scaler/infer", new StringContent(
            """{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}"""));
        Assert.Equal("[3,6,9,12]", JsonNode.Parse(await v2.Content.ReadAsStringAsync())!["outputs"]![0]!["data"]!.ToJsonString());
        Assert.Equal("corvid", JsonNode.Parse(await client.GetStringAsync("/v2/models/scaler"))!["platform"]!.GetValue<string>());
        await server.StopAsync();
    }
}
