using Corvid.Nn.Optim;
using Corvid.Tensors;
using Corvid.Tensors.IO;

namespace Corvid.Nn.Tests.IO;

/// <summary>
/// Safetensors both ways. Python → Corvid: the file tools/nn_fixtures.py wrote (with
/// tools/safetensors_io.py) loads bit-exactly. Corvid → Python: Corvid's writer produces the very
/// same bytes as the Python writer for the same tensors, and the test leaves Corvid-written files in
/// its output folder for tools/check_safetensors_roundtrip.py, which loads them in numpy and PyTorch
/// (the result of running it is in docs/nn.md).
/// </summary>
public class SafeTensorsInterchangeTests
{
    private static string PythonFile => NnFixtures.PathOf(Path.Combine("safetensors", "python_written.safetensors"));

    private static readonly Dictionary<string, string> Metadata = new() { ["format"] = "pt", ["source"] = "corvid-interchange" };

    // .NET's float.NaN is the negative quiet NaN (0xFFC00000); numpy's is 0x7FC00000, so the bits are spelled out.
    private static readonly uint[] SpecialBits = [0x7FC00000, 0x7F800000, 0xFF800000, 0x80000000, 0x00000000, 0x00000001, 0x7F7FFFFF, 0x00800000, 0xBFC00000];

    /// <summary>The tensors of check_safetensors_roundtrip.deterministic_tensors(), rebuilt in C#.</summary>
    private static Dictionary<string, Tensor> DeterministicTensors() => new()
    {
        ["float.arange"] = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => i / 7f).ToArray(), 2, 3, 4),
        ["float.special"] = Tensor.FromArray(SpecialBits.Select(b => BitConverter.UInt32BitsToSingle(b)).ToArray()),
        ["float.scalar"] = Tensor.Scalar(3.25f),
        ["float.empty"] = Tensor.Zeros(0, 3),
        ["long.values"] = Tensor.FromArray([long.MinValue, -1L, 0L, 1L, long.MaxValue, 1234567890123L], 2, 3),
        ["bool.mask"] = Tensor.FromArray([true, false, true, true], 2, 2),
        ["layer.0.weight"] = Tensor.FromArray(Enumerable.Range(0, 12).Select(i => (i % 5 - 2) * 0.25f).ToArray(), 4, 3),
    };

    [Fact]
    public void A_python_written_file_loads_bit_exactly()
    {
        var loaded = SafeTensors.Load(PythonFile);
        var expected = DeterministicTensors();
        Assert.Equal(expected.Keys.Order(), loaded.Tensors.Keys.Order());
        foreach (var (name, want) in expected)
        {
            var got = loaded.Tensors[name];
            Assert.Equal(want.DType, got.DType);
            Assert.Equal(want.Shape.ToArray(), got.Shape.ToArray());
            switch (want.DType)
            {
                case DType.Float32:
                    Assert.Equal(want.ToArray().Select(BitConverter.SingleToUInt32Bits), got.ToArray().Select(BitConverter.SingleToUInt32Bits));
                    break;
                case DType.Int64:
                    Assert.Equal(want.ToLongArray(), got.ToLongArray());
                    break;
                default:
                    Assert.Equal(want.ToBoolArray(), got.ToBoolArray());
                    break;
            }
        }
        Assert.Equal(Metadata, loaded.Metadata);
    }

    [Fact]
    public void Corvids_writer_produces_the_python_writers_bytes()
    {
        var expected = File.ReadAllBytes(PythonFile);
        Assert.Equal(expected, SafeTensors.Serialize(DeterministicTensors(), Metadata));
        // And what Corvid read from the Python file writes back unchanged.
        Assert.Equal(expected, SafeTensors.Serialize(SafeTensors.Load(PythonFile).Tensors, Metadata));
    }

    [Fact]
    public void Writes_files_for_the_python_roundtrip_check()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "interchange");
        SafeTensors.Save(Path.Combine(folder, "corvid_written.safetensors"), DeterministicTensors(), Metadata);
        Assert.Equal(File.ReadAllBytes(PythonFile), File.ReadAllBytes(Path.Combine(folder, "corvid_written.safetensors")));

        // A small CNN with Corvid's own initialisation, one SGD step so the batch-norm statistics move,
        // then saved; the script loads it into torch.nn strictly and compares outputs on the saved input.
        var generator = new Generator(11);
        var model = new Sequential(new Conv2d(3, 4, 3, padding: 1, generator: generator), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(4 * 4 * 4, 5, generator: generator));
        var optimizer = new SGD(model.Parameters(), lr: 0.1, momentum: 0.9);
        var x = Tensor.Randn([6, 3, 8, 8], generator);
        var labels = Tensor.FromArray([0L, 1, 2, 3, 4, 0]);
        F.CrossEntropy(model.Forward(x), labels).Backward();
        optimizer.Step();
        model.Save(Path.Combine(folder, "corvid_model.safetensors"));

        model.Eval();
        var input = Tensor.Randn([2, 3, 8, 8], generator);
        var output = model.Forward(input);
        SafeTensors.Save(Path.Combine(folder, "corvid_model_io.safetensors"), new Dictionary<string, Tensor> { ["input"] = input, ["output"] = output });

        var reloaded = new Sequential(new Conv2d(3, 4, 3, padding: 1), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 4 * 4, 5));
        reloaded.Load(Path.Combine(folder, "corvid_model.safetensors"));
        reloaded.Eval();
        Assert.Equal(output.ToArray(), reloaded.Forward(input).ToArray());
        Assert.Equal(1, ((BatchNorm2d)reloaded[1]).NumBatchesTracked);
    }
}
