using Corvid.Tensors.Autograd;

namespace Corvid.Tensors.Tests.Autograd;

public class AutogradBehaviourTests
{
    private static Tensor Leaf(params float[] values) => Tensor.FromArray(values).RequiresGrad_();

    [Fact]
    public void Backward_accumulates_into_leaf_gradients_across_calls()
    {
        var x = Leaf(1f, 2f, 3f);
        (x * x).Sum().Backward();
        (x * 3f).Sum().Backward();
        Assert.Equal([5f, 7f, 9f], x.Grad!.ToArray());
    }

    [Fact]
    public void A_tensor_used_twice_gets_the_sum_of_both_paths()
    {
        var x = Leaf(2f);
        var y = x * x + x.Exp();
        y.Backward();
        Assert.Equal(2 * 2f + MathF.Exp(2f), x.Grad!.Item(), 5);
    }

    [Fact]
    public void No_grad_scope_records_nothing_and_restores_the_mode()
    {
        var x = Leaf(1f, 2f);
        Tensor y;
        using (GradMode.NoGrad())
        {
            y = x * 2f;
            Assert.False(GradMode.IsEnabled);
        }
        Assert.True(GradMode.IsEnabled);
        Assert.False(y.RequiresGrad);
        Assert.Null(y.GradFn);
    }

    [Fact]
    public void Detach_cuts_the_graph_but_shares_the_values()
    {
        var x = Leaf(1f, 2f);
        var d = (x * 2f).Detach();
        Assert.False(d.RequiresGrad);
        var y = (x * d).Sum();
        y.Backward();
        Assert.Equal([2f, 4f], x.Grad!.ToArray());
    }

    [Fact]
    public void Second_backward_through_a_freed_graph_names_the_op()
    {
        var x = Leaf(1f, 2f);
        var y = (x.Exp() * 2f).Sum();
        y.Backward();
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("second time", error.Message);
        Assert.Contains("Backward", error.Message);
    }

    [Fact]
    public void Retained_graph_can_be_walked_twice()
    {
        var x = Leaf(3f);
        var y = x * x;
        y.Backward(retainGraph: true);
        y.Backward();
        Assert.Equal(12f, x.Grad!.Item());
    }

    [Fact]
    public void Modifying_a_saved_input_in_place_is_caught_before_a_wrong_gradient()
    {
        var x = Leaf(1f, 2f);
        var w = Tensor.FromArray([3f, 4f]);
        var y = (x * w).Sum();
        w.CopyFrom(Tensor.FromArray([5f, 6f]));
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("modified in place", error.Message);
    }

    [Fact]
    public void Grad_of_a_non_scalar_needs_an_explicit_upstream_gradient()
    {
        var x = Leaf(1f, 2f);
        var error = Assert.Throws<InvalidOperationException>(() => (x * 2f).Backward());
        Assert.Contains("scalar", error.Message);
        Assert.Contains("[2]", error.Message);
    }

    [Fact]
    public void Grad_rejects_an_unused_input_unless_allowed()
    {
        var x = Leaf(1f);
        var unused = Leaf(5f);
        var y = x * 2f;
        Assert.Throws<InvalidOperationException>(() => AutogradEngine.Grad([y], [x, unused], retainGraph: true));
        var grads = AutogradEngine.Grad([y], [x, unused], allowUnused: true);
        Assert.Equal(2f, grads[0]!.Item());
        Assert.Null(grads[1]);
    }

    [Fact]
    public void Grad_with_respect_to_an_intermediate_tensor()
    {
        var x = Leaf(1f, 2f);
        var h = x * 3f;
        var y = (h * h).Sum();
        var g = AutogradEngine.Grad([y], [h])[0]!;
        Assert.Equal([6f, 12f], g.ToArray());
        Assert.Null(x.Grad); // grad() does not touch .Grad
    }

    [Fact]
    public void Third_order_derivative_of_a_polynomial()
    {
        var x = Leaf(2f);
        var y = x.Pow(4f); // y''' = 24x
        var g1 = AutogradEngine.Grad([y], [x], createGraph: true)[0]!;
        var g2 = AutogradEngine.Grad([g1], [x], createGraph: true)[0]!;
        var g3 = AutogradEngine.Grad([g2], [x])[0]!;
        Assert.Equal(32f, g1.Item(), 4);
        Assert.Equal(48f, g2.Item(), 4);
        Assert.Equal(48f, g3.Item(), 4);
    }

    [Fact]
    public void Anomaly_mode_names_the_op_whose_forward_made_nan()
    {
        var x = Leaf(-1f, 4f);
        using (AnomalyMode.Enable())
        {
            var error = Assert.Throws<AnomalyException>(() => x.Log());
            Assert.Contains("Log", error.Message);
            Assert.Contains("NaN", error.Message);
        }
    }

    [Fact]
    public void Anomaly_mode_names_the_op_whose_backward_made_inf()
    {
        var x = Leaf(0f, 4f);
        var y = x.Sqrt().Sum(); // forward is finite, d sqrt at 0 is infinite
        using (AnomalyMode.Enable())
        {
            var error = Assert.Throws<AnomalyException>(() => y.Backward());
            Assert.Contains("SqrtBackward", error.Message);
        }
    }

    [Fact]
    public void Without_anomaly_mode_nan_flows_through_silently_as_in_pytorch()
    {
        var y = Leaf(-1f).Log();
        Assert.True(float.IsNaN(y.Item()));
    }

    [Fact]
    public void Only_float_tensors_can_require_grad()
    {
        var ids = Tensor.FromArray(new long[] { 1, 2 });
        var error = Assert.Throws<InvalidOperationException>(() => ids.RequiresGrad = true);
        Assert.Contains("int64", error.Message);
    }

    [Fact]
    public void Gradcheck_agrees_with_finite_differences_on_a_composite_function()
    {
        var gen = new Generator(3);
        var a = Tensor.Randn([3, 4], gen).RequiresGrad_();
        var b = Tensor.Randn([4, 2], gen).RequiresGrad_();
        var result = GradCheck.Check(xs => F.Gelu(xs[0].Matmul(xs[1])).Softmax(-1).Log(), [a, b]);
        Assert.True(result.Passed, result.Detail);
    }

    [Fact]
    public void Gradcheck_catches_a_wrong_gradient()
    {
        var x = Tensor.Randn([5], new Generator(1)).RequiresGrad_();
        // A deliberately wrong backward (it claims d/dx sin x = sin x).
        var result = GradCheck.Check(xs => WrongSin(xs[0]), [x]);
        Assert.False(result.Passed);
    }

    private static Tensor WrongSin(Tensor x)
    {
        Tensor y;
        using (GradMode.NoGrad()) y = x.Sin();
        return Graph.Record("WrongSinBackward", y, (g, _) => [g * x.Sin()], x);
    }
}
