using Corvid.Tensors;
using Corvid.Tensors.IO;

namespace Corvid.Nn.Tests.IO;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "corvid-nn-checkpoint-" + Guid.NewGuid().ToString("N"));

    public CheckpointTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Sequential Model(ulong seed)
    {
        var g = new Generator(seed);
        return new Sequential(new Conv2d(2, 3, 3, generator: g), new BatchNorm2d(3), new GELU(), new Flatten(), new Linear(12, 2, generator: g));
    }

    [Fact]
    public void Save_then_load_restores_every_weight_and_buffer_bit_exactly()
    {
        var source = Model(1);
        source.Forward(Tensor.Randn([4, 2, 4, 4], new Generator(9))); // moves the running statistics
        var path = Path.Combine(_folder, "model.safetensors");
        source.Save(path, new Dictionary<string, string> { ["epoch"] = "3" });

        var target = Model(2);
        var weightObject = ((Linear)target[4]).Weight;
        var metadata = target.Load(path);

        Assert.Equal("3", metadata["epoch"]);
        var expected = source.StateDict();
        var actual = target.StateDict();
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, value) in expected)
        {
            if (value.DType == DType.Int64) Assert.Equal(value.ToLongArray(), actual[key].ToLongArray());
            else Assert.Equal(value.ToArray(), actual[key].ToArray());
        }
        // Loading writes into the module's own tensors, so an optimizer built earlier still holds the live weights.
        Assert.Same(weightObject, ((Linear)target[4]).Weight);
        Assert.Equal(["model.safetensors"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Non_strict_load_takes_the_keys_that_match()
    {
        var source = new Linear(3, 2, generator: new Generator(1));
        var path = Path.Combine(_folder, "partial.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["weight"] = source.Weight, ["extra"] = Tensor.Ones(1) });

        var target = new Linear(3, 2, generator: new Generator(2));
        var biasBefore = target.Bias!.ToArray();
        target.Load(path, strict: false);

        Assert.Equal(source.Weight.ToArray(), target.Weight.ToArray());
        Assert.Equal(biasBefore, target.Bias!.ToArray());
    }

    [Fact]
    public void Loaded_weights_keep_training_with_an_existing_optimizer()
    {
        var model = new Linear(3, 1, generator: new Generator(1));
        var optimizer = new Corvid.Nn.Optim.SGD(model.Parameters(), lr: 0.1);
        var path = Path.Combine(_folder, "linear.safetensors");
        new Linear(3, 1, generator: new Generator(7)).Save(path);
        model.Load(path);

        var before = model.Weight.ToArray();
        model.Forward(Tensor.Ones(1, 3)).Sum().Backward();
        optimizer.Step();
        // d(sum)/dW = the input (ones), so each weight moves by −lr.
        Assert.Equal(before.Select(w => w - 0.1f), model.Weight.ToArray());
    }
}
