using Corvid.Nn.Optim;
using Corvid.Tensors;
using Corvid.Tensors.IO;

namespace Corvid.Nn.Tests;

/// <summary>Bad input gets an exception whose message names the layer, file or option and the values involved.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "corvid-nn-bad-" + Guid.NewGuid().ToString("N"));

    public BadInputTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Linear_with_the_wrong_feature_count_names_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => new Linear(4, 3).Forward(Tensor.Zeros(2, 5)));
        Assert.Contains("linear", e.Message);
        Assert.Contains("[2, 5]", e.Message);
        Assert.Contains("[3, 4]", e.Message);
    }

    [Fact]
    public void Conv2d_with_the_wrong_channel_count_names_the_layer_and_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => new Conv2d(3, 8, 3, padding: 1).Forward(Tensor.Zeros(2, 4, 8, 8)));
        Assert.Contains("Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))", e.Message);
        Assert.Contains("input has 4 channels, the layer expects 3", e.Message);
        Assert.Contains("[2, 4, 8, 8]", e.Message);
        Assert.Contains("[8, 3, 3, 3]", e.Message);
    }

    [Fact]
    public void Conv1d_with_a_4d_input_names_the_layer_and_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => new Conv1d(2, 4, 3).Forward(Tensor.Zeros(1, 2, 5, 5)));
        Assert.Contains("Conv1d(2, 4, kernel_size=(3,), stride=(1,))", e.Message);
        Assert.Contains("[1, 2, 5, 5]", e.Message);
        Assert.Contains("[4, 2, 3]", e.Message);
    }

    [Fact]
    public void Transposed_conv_norms_and_pools_reject_wrong_inputs_by_name()
    {
        Assert.Contains("ConvTranspose1d(4, 2", Assert.Throws<ArgumentException>(() => new ConvTranspose1d(4, 2, 3).Forward(Tensor.Zeros(1, 3, 5))).Message);
        Assert.Contains("BatchNorm2d(3", Assert.Throws<ArgumentException>(() => new BatchNorm2d(3).Forward(Tensor.Zeros(2, 3, 4))).Message);
        Assert.Contains("input has 5 channels, the layer expects 3", Assert.Throws<ArgumentException>(() => new BatchNorm1d(3).Forward(Tensor.Zeros(2, 5))).Message);
        Assert.Contains("[2, 3, 5]", Assert.Throws<ArgumentException>(() => new LayerNorm(4).Forward(Tensor.Zeros(2, 3, 5))).Message);
        Assert.Contains("GroupNorm(2, 4", Assert.Throws<ArgumentException>(() => new GroupNorm(2, 4).Forward(Tensor.Zeros(2, 6, 3))).Message);
        Assert.Contains("MaxPool2d", Assert.Throws<ArgumentException>(() => new MaxPool2d(2).Forward(Tensor.Zeros(3, 4, 4))).Message);
        Assert.Contains("int64", Assert.Throws<ArgumentException>(() => new Embedding(5, 2).Forward(Tensor.Zeros(3))).Message);
        Assert.Contains("in_channels 3 is not divisible by groups 2", Assert.Throws<ArgumentException>(() => new Conv2d(3, 4, 3, groups: 2)).Message);
        Assert.Contains("padding_idx 5", Assert.Throws<ArgumentException>(() => new Embedding(5, 2, paddingIdx: 5)).Message);
    }

    [Fact]
    public void Load_state_dict_lists_missing_unexpected_and_mis_shaped_keys_together()
    {
        var model = new Sequential(new Linear(3, 2), new BatchNorm1d(2));
        var state = model.StateDict();
        state.Remove("1.running_var");
        state["2.weight"] = Tensor.Zeros(1);
        state["0.weight"] = Tensor.Zeros(3, 2);
        var before = ((Linear)model[0]).Bias!.ToArray();
        state["0.bias"] = Tensor.Ones(2);

        var e = Assert.Throws<InvalidDataException>(() => model.LoadStateDict(state));

        Assert.Contains("missing keys: 1.running_var", e.Message);
        Assert.Contains("unexpected keys: 2.weight", e.Message);
        Assert.Contains("'0.weight' has shape [3, 2] in the state dict but [2, 3] in the module", e.Message);
        Assert.Equal(before, ((Linear)model[0]).Bias!.ToArray()); // nothing was loaded
    }

    [Fact]
    public void Checkpoint_load_errors_name_the_file()
    {
        var path = Path.Combine(_folder, "linear.safetensors");
        new Linear(3, 2).Save(path);
        var e = Assert.Throws<InvalidDataException>(() => new Linear(4, 2).Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("'weight' has shape [2, 3] in the state dict but [2, 4] in the module", e.Message);

        var missing = Path.Combine(_folder, "nope.safetensors");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => new Linear(3, 2).Load(missing)).Message);
    }

    [Theory]
    [InlineData(4)]      // shorter than the 8-byte header length
    [InlineData(40)]     // cut inside the JSON header
    [InlineData(-5)]     // the last bytes of the data missing
    public void A_truncated_checkpoint_is_invalid_data_naming_the_file(int keep)
    {
        var path = Path.Combine(_folder, "truncated.safetensors");
        new Linear(3, 2).Save(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(keep > 0 ? keep : bytes.Length + keep)]);

        var e = Assert.Throws<InvalidDataException>(() => new Linear(3, 2).Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_corrupted_header_is_invalid_data_naming_the_file()
    {
        var path = Path.Combine(_folder, "corrupt.safetensors");
        new Linear(3, 2).Save(path);
        var bytes = File.ReadAllBytes(path);
        bytes[9] = (byte)'#'; // inside the JSON header
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("JSON", e.Message);
    }

    [Fact]
    public void Optimizer_options_are_checked_with_their_names_and_values()
    {
        var p = Tensor.Zeros(2).RequiresGrad_();
        Assert.Contains("unknown option 'momentun'",
            Assert.Throws<ArgumentException>(() => new SGD([new ParamGroup([p]) { ["momentun"] = 0.9 }], lr: 0.1)).Message);
        Assert.Contains("more than one parameter group",
            Assert.Throws<ArgumentException>(() => new Adam([new ParamGroup([p]), new ParamGroup([p])])).Message);
        Assert.Contains("Nesterov", Assert.Throws<ArgumentException>(() => new SGD([p], lr: 0.1, nesterov: true)).Message);
        Assert.Contains("-0.1", Assert.Throws<ArgumentException>(() => new SGD([p], lr: -0.1)).Message);
        Assert.Contains("beta2 1", Assert.Throws<ArgumentException>(() => new AdamW([p], betas: (0.9, 1.0))).Message);
        Assert.Contains("not a leaf", Assert.Throws<ArgumentException>(() => new SGD([p * 2f], lr: 0.1)).Message);
        Assert.Contains("expected 2 lr lambdas", Assert.Throws<ArgumentException>(
            () => new LambdaLR(new SGD([new ParamGroup([p]), new ParamGroup([Tensor.Zeros(1).RequiresGrad_()])], lr: 0.1), [e => 1.0])).Message);
    }
}
