using Corvid.Serving.Models;
using Corvid.Serving.Tests;

namespace Corvid.Server.Tests;

/// <summary>One server with the embedded resnet18 and the small test models, shared by the read-mostly tests.</summary>
public sealed class SharedServerFixture : IAsyncLifetime
{
    public LiveServer Live { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Live = await LiveServer.StartAsync(store =>
        {
            TestModels.ColourClassifier(store, "colours");
            TestModels.AddOne(store, "add-one");
            TestModels.FailsAtRun(store, "broken");
            var junk = Path.Combine(store, "junk");
            Directory.CreateDirectory(junk);
            File.WriteAllText(Path.Combine(junk, "model.onnx"), "this is not an ONNX file");
            File.WriteAllText(Path.Combine(junk, ModelManifest.FileName), TestModels.Manifest("junk", "raw-tensor").ToJson());
        }, defaultModel: true);
    }

    public async Task DisposeAsync() => await Live.DisposeAsync();
}
