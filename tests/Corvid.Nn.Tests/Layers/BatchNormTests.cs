using Corvid.Tensors;

namespace Corvid.Nn.Tests.Layers;

/// <summary>
/// BatchNorm against PyTorch over three training steps (batch statistics, gradients, running mean and
/// unbiased running variance with momentum or a cumulative average, num_batches_tracked), then eval mode.
/// </summary>
public class BatchNormTests
{
    private const string File = "batchnorm.safetensors";

    private static readonly Dictionary<string, Func<BatchNorm>> Builders = new()
    {
        ["bn1d_2d_input"] = () => new BatchNorm1d(5),
        ["bn1d_3d_input_momentum"] = () => new BatchNorm1d(4, momentum: 0.3),
        ["bn2d"] = () => new BatchNorm2d(3),
        ["bn2d_cumulative"] = () => new BatchNorm2d(3, momentum: null),
        ["bn2d_no_affine_eps"] = () => new BatchNorm2d(3, eps: 1e-3f, affine: false),
        ["bn2d_no_tracking"] = () => new BatchNorm2d(3, trackRunningStats: false),
    };

    public static IEnumerable<object[]> Cases() => NnFixtures.Cases(File);

    [Fact]
    public void Every_fixture_case_has_a_builder()
    {
        Assert.Equal(Cases().Select(c => (string)c[0]).Order(), Builders.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Training_steps_running_statistics_and_eval_match_pytorch(string name)
    {
        const double rtol = 1e-5, atol = 1e-5;
        var bn = Builders[name]();
        bn.LoadStateDict(NnFixtures.WithPrefix(File, $"{name}.state"));
        bn.Train();
        for (int step = 0; step < 3; step++)
        {
            string at = $"{name}.step{step}";
            var x = NnFixtures.Leaf(NnFixtures.Get(File, $"{at}.input"));
            var y = bn.Forward(x);
            Numerics.AssertClose(NnFixtures.Get(File, $"{at}.output"), y, rtol, atol, $"{at} output");
            y.Backward(NnFixtures.Get(File, $"{at}.grad_output"));
            Numerics.AssertClose(NnFixtures.Get(File, $"{at}.grad.input"), x.Grad!, rtol, atol, $"{at} input gradient");
            foreach (var (param, p) in bn.NamedParameters())
            {
                Numerics.AssertClose(NnFixtures.Get(File, $"{at}.grad.{param}"), p.Grad!, rtol, atol, $"{at} gradient of {param}");
                p.Grad = null;
            }
        }

        var after = NnFixtures.WithPrefix(File, $"{name}.after");
        Assert.Equal(after.Keys.Order(), bn.NamedBuffers().Select(b => b.Name).Order());
        if (bn.TrackRunningStats)
        {
            Numerics.AssertClose(after["running_mean"], bn.RunningMean!, rtol, atol, $"{name} running_mean");
            Numerics.AssertClose(after["running_var"], bn.RunningVar!, rtol, atol, $"{name} running_var");
            Assert.Equal(after["num_batches_tracked"].ToLongArray(), new[] { bn.NumBatchesTracked });
            Assert.Equal(3, bn.NumBatchesTracked);
        }

        bn.Eval();
        var evalOut = bn.Forward(NnFixtures.Get(File, $"{name}.eval.input"));
        Numerics.AssertClose(NnFixtures.Get(File, $"{name}.eval.output"), evalOut, rtol, atol, $"{name} eval output");
    }

    [Fact]
    public void Eval_mode_leaves_running_statistics_and_the_batch_count_alone()
    {
        var bn = new BatchNorm2d(2);
        bn.Eval();
        bn.Forward(Tensor.Randn([3, 2, 4, 4], new Generator(1)));
        Assert.Equal(new float[] { 0, 0 }, bn.RunningMean!.ToArray());
        Assert.Equal(new float[] { 1, 1 }, bn.RunningVar!.ToArray());
        Assert.Equal(0, bn.NumBatchesTracked);
    }

    [Fact]
    public void Num_batches_tracked_is_an_int64_scalar_buffer_in_the_state_dict()
    {
        var state = new BatchNorm1d(3).StateDict();
        Assert.Equal(["bias", "num_batches_tracked", "running_mean", "running_var", "weight"], state.Keys.Order());
        Assert.Equal(DType.Int64, state["num_batches_tracked"].DType);
        Assert.Equal(0, state["num_batches_tracked"].Rank);
    }
}
