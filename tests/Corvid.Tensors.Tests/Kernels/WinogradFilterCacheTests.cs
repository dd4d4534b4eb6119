using System.Runtime.CompilerServices;
using System.Text.Json;
using Corvid.Tensors.Autograd;
using Corvid.Tensors.Kernels;

namespace Corvid.Tensors.Tests.Kernels;

/// <summary>
/// The Winograd filter cache: a forward call given a weight key reuses the transformed filter, and must still
/// match PyTorch, see an in-place update of the weight at once, and keep neither the weight nor a graph alive.
/// </summary>
public class WinogradFilterCacheTests
{
    static readonly KernelFixtures Fixtures = KernelFixtures.Load("conv2d");

    public static IEnumerable<object[]> WinogradCases() =>
        KernelFixtures.Names("conv2d").Where(n => ((string)n[0]).Contains("winograd_", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(WinogradCases))]
    public void Cached_forward_matches_pytorch_on_the_first_and_the_repeated_call(string name)
    {
        var c = Fixtures.Case(name);
        var g = Conv2dTests.Geometry(c);
        var weight = Fixtures.Array(c, "weight");
        var key = new ConvWeightKey(new object(), 0, 0);
        for (int call = 0; call < 2; call++)
        {
            var output = new float[g.OutputLength];
            output.AsSpan().Fill(float.NaN);
            Conv2d.Forward(g, Fixtures.Array(c, "input"), weight, Fixtures.Array(c, "bias"), output, key);
            Close.All(Fixtures.Array(c, "output"), output, what: $"{name} call {call}");
        }
    }

    [Theory]
    [MemberData(nameof(WinogradCases))]
    public void Few_tile_cases_reach_winograd_only_with_a_cached_filter(string name)
    {
        var g = Conv2dTests.Geometry(Fixtures.Case(name));
        bool avx512 = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;
        Assert.Equal(avx512, Winograd3x3.Applies(g, filterCached: true));
        Assert.Equal(avx512 && !name.StartsWith("cached", StringComparison.Ordinal), Winograd3x3.Applies(g));
    }

    [Fact]
    public void An_in_place_weight_update_is_used_by_the_next_call()
    {
        // The tensor API keys the cache on the weight's storage and version: after CopyFrom (an optimizer step,
        // a state dict load) the next no-grad call must use the new values, i.e. match PyTorch with them.
        var c = Fixtures.Case("cachedwinograd_7x7_batch1_32to40");
        var g = Conv2dTests.Geometry(c);
        int[] wShape = [g.OutChannels, g.InChannels, 3, 3];
        var x = Tensor.FromArray(Fixtures.Array(c, "input"), g.Batch, g.InChannels, g.InHeight, g.InWidth);
        var bias = Tensor.FromArray(Fixtures.Array(c, "bias"), g.OutChannels);
        var weight = Tensor.Randn(wShape, new Generator(7));
        using (GradMode.NoGrad())
        {
            var before = F.Conv2d(x, weight, bias, 1, 1).ToArray();
            weight.CopyFrom(Tensor.FromArray(Fixtures.Array(c, "weight"), wShape));
            var after = F.Conv2d(x, weight, bias, 1, 1).ToArray();
            Close.All(Fixtures.Array(c, "output"), after, what: "after the in-place update");
            Assert.NotEqual(before, after);
        }
    }

    [Fact]
    public void Recording_gradients_for_the_weight_still_gives_pytorchs_gradients()
    {
        // With a graph recorded for the weight the filter is not cached (training changes it every step); the
        // forward and both gradients must be PyTorch's, also after a no-grad call cached the same weight.
        var c = Fixtures.Case("winograd_odd_13x11_32to48");
        var g = Conv2dTests.Geometry(c);
        var x = Tensor.FromArray(Fixtures.Array(c, "input"), g.Batch, g.InChannels, g.InHeight, g.InWidth).RequiresGrad_();
        var weight = Tensor.FromArray(Fixtures.Array(c, "weight"), g.OutChannels, g.InChannels, 3, 3).RequiresGrad_();
        var bias = Tensor.FromArray(Fixtures.Array(c, "bias"), g.OutChannels);
        using (GradMode.NoGrad())
            F.Conv2d(x, weight, bias, 1, 1);
        var y = F.Conv2d(x, weight, bias, 1, 1);
        Close.All(Fixtures.Array(c, "output"), y.ToArray(), what: "forward with grad");
        var gy = Tensor.FromArray(Fixtures.Array(c, "gradOutput"), y.Shape.ToArray());
        (y * gy).Sum().Backward();
        Close.All(Fixtures.Array(c, "gradWeight"), weight.Grad!.ToArray(), what: "gradWeight");
        Close.All(Fixtures.Array(c, "gradInput"), x.Grad!.ToArray(), what: "gradInput");
    }

    [Fact]
    public void The_cache_does_not_keep_the_weight_alive()
    {
        var c = Fixtures.Case("cachedwinograd_7x7_batch1_32to40");
        var g = Conv2dTests.Geometry(c);
        var owner = CacheOnce(g, Fixtures.Array(c, "input"), Fixtures.Array(c, "weight"));
        for (int i = 0; i < 3 && owner.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(owner.IsAlive, "the weight's owner outlived every reference but the cache's");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static WeakReference CacheOnce(Conv2dGeometry g, float[] input, float[] weight)
    {
        var owner = new object();
        Conv2d.Forward(g, input, weight, ReadOnlySpan<float>.Empty, new float[g.OutputLength], new ConvWeightKey(owner, 0, 0));
        return new WeakReference(owner);
    }
}
