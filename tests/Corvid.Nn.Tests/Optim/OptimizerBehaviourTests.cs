using Corvid.Nn.Optim;
using Corvid.Tensors;

namespace Corvid.Nn.Tests.Optim;

public sealed class OptimizerBehaviourTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "corvid-nn-optim-" + Guid.NewGuid().ToString("N"));

    public OptimizerBehaviourTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Step_updates_the_modules_own_tensors_in_place()
    {
        var model = new Linear(2, 1, generator: new Generator(1));
        var weight = model.Weight;
        var before = weight.ToArray();
        var optimizer = new SGD(model.Parameters(), lr: 0.5);
        model.Forward(Tensor.FromArray([1f, 2f], 1, 2)).Sum().Backward();
        optimizer.Step();
        Assert.Same(weight, model.Weight);
        Assert.Equal([before[0] - 0.5f * 1f, before[1] - 0.5f * 2f], model.Weight.ToArray());
    }

    [Fact]
    public void A_graph_that_used_a_parameter_cannot_backward_after_the_step_changed_it()
    {
        var w = Tensor.Ones(3).RequiresGrad_();
        var optimizer = new SGD([w], lr: 0.1);
        var loss = (w * w).Sum();
        w.Grad = Tensor.Ones(3);
        optimizer.Step();
        var e = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("modified in place", e.Message);
    }

    [Fact]
    public void Zero_grad_clears_to_null_or_to_zeros()
    {
        var p = Tensor.Ones(2).RequiresGrad_();
        var optimizer = new Adam([p]);
        p.Grad = Tensor.Ones(2);
        optimizer.ZeroGrad(setToNone: false);
        Assert.Equal(new[] { 0f, 0f }, p.Grad!.ToArray());
        optimizer.ZeroGrad();
        Assert.Null(p.Grad);
    }

    [Fact]
    public void A_parameter_without_a_gradient_is_skipped_and_gets_no_state()
    {
        var a = Tensor.Ones(2).RequiresGrad_();
        var b = Tensor.Ones(2).RequiresGrad_();
        var optimizer = new Adam([a, b], lr: 0.1);
        a.Grad = Tensor.Ones(2);
        optimizer.Step();
        Assert.Equal(new[] { 1f, 1f }, b.ToArray());
        Assert.False(optimizer.HasState(b));
        Assert.Equal(1, optimizer.State(a).Step);
        Assert.Equal(["exp_avg", "exp_avg_sq"], optimizer.State(a).Buffers.Keys.Order());
    }

    [Fact]
    public void Step_with_a_closure_returns_the_loss_it_computed()
    {
        var w = Tensor.FromArray([3f]).RequiresGrad_();
        var optimizer = new SGD([w], lr: 0.25);
        var loss = optimizer.Step(() =>
        {
            optimizer.ZeroGrad();
            var l = (w * w).Sum();
            l.Backward();
            return l;
        });
        Assert.Equal(9f, loss.Item());
        Assert.Equal(3f - 0.25f * 6f, w.Item());
    }

    [Fact]
    public void A_gradient_of_the_wrong_shape_is_an_error_naming_both_shapes()
    {
        var w = Tensor.Ones(2, 3).RequiresGrad_();
        var optimizer = new SGD([w], lr: 0.1);
        w.Grad = Tensor.Ones(3, 2);
        var e = Assert.Throws<InvalidOperationException>(() => optimizer.Step());
        Assert.Contains("[3, 2]", e.Message);
        Assert.Contains("[2, 3]", e.Message);
    }

    /// <summary>Training 3 steps, saving, restoring into fresh objects and training 3 more equals training 6 steps straight.</summary>
    [Fact]
    public void Saving_and_resuming_optimizer_and_scheduler_continues_the_same_trajectory()
    {
        static (Linear Model, AdamW Optimizer, OneCycleLR Scheduler) Fresh()
        {
            var model = new Linear(4, 2, generator: new Generator(3));
            var optimizer = new AdamW(model.Parameters(), lr: 0.01, amsgrad: true);
            return (model, optimizer, new OneCycleLR(optimizer, maxLr: 0.05, totalSteps: 6));
        }
        static void Train((Linear Model, AdamW Optimizer, OneCycleLR Scheduler) run, int from, int to)
        {
            for (int step = from; step < to; step++)
            {
                run.Optimizer.ZeroGrad();
                var x = Tensor.Randn([5, 4], new Generator((ulong)step));
                F.MseLoss(run.Model.Forward(x), Tensor.Zeros(5, 2)).Backward();
                run.Optimizer.Step();
                run.Scheduler.Step();
            }
        }

        var straight = Fresh();
        Train(straight, 0, 6);

        var first = Fresh();
        Train(first, 0, 3);
        var weights = Path.Combine(_folder, "model.safetensors");
        var state = Path.Combine(_folder, "optimizer.safetensors");
        first.Model.Save(weights);
        Checkpoint.SaveOptimizer(first.Optimizer, state, first.Scheduler);

        var resumed = Fresh();
        resumed.Model.Load(weights);
        Checkpoint.LoadOptimizer(resumed.Optimizer, state, resumed.Scheduler);
        Assert.Equal(3, resumed.Scheduler.LastEpoch);
        Assert.Equal(first.Scheduler.GetLastLr(), resumed.Scheduler.GetLastLr());
        Train(resumed, 3, 6);

        Assert.Equal(straight.Model.Weight.ToArray(), resumed.Model.Weight.ToArray());
        Assert.Equal(straight.Model.Bias!.ToArray(), resumed.Model.Bias!.ToArray());
        Assert.Equal(straight.Optimizer.ParamGroups[0]["beta1"], resumed.Optimizer.ParamGroups[0]["beta1"]);
    }

    [Fact]
    public void Loading_optimizer_state_into_a_different_optimizer_names_the_file_and_both_kinds()
    {
        var p = Tensor.Ones(2).RequiresGrad_();
        var path = Path.Combine(_folder, "sgd.safetensors");
        Checkpoint.SaveOptimizer(new SGD([p], lr: 0.1), path);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadOptimizer(new Adam([p]), path));
        Assert.Contains(path, e.Message);
        Assert.Contains("saved from SGD", e.Message);
    }
}
