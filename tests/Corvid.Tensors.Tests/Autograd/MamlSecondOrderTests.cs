using System.Text.Json;
using Corvid.Tensors.Autograd;
using Corvid.Tensors.IO;

namespace Corvid.Tensors.Tests.Autograd;

/// <summary>
/// A second-order MAML meta-step, as "The Basis of Cognitive Complexity" trains its CNNs: inner SGD
/// steps whose gradients stay in the graph, then the query loss differentiated back through them.
/// The fast weights are new tensors (θ − lr·g), never in-place updates, so the graph is not cut.
/// </summary>
public class MamlSecondOrderTests
{
    private static readonly SafeTensors.Contents Fixture =
        SafeTensors.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "ops", "maml.safetensors"));

    private static Tensor Forward(IReadOnlyDictionary<string, Tensor> p, Tensor x)
    {
        var h = F.Conv2d(x, p["conv.w"], p["conv.b"], stride: 1, padding: 1);
        h = F.BatchNorm(h, null, null, p["bn.w"], p["bn.b"], training: true);
        h = F.MaxPool2d(h.Relu(), 2);
        return F.Linear(h.Flatten(1), p["fc.w"], p["fc.b"]);
    }

    /// <summary>Runs the inner loop and returns the meta-gradients (first-order: the inner gradients are constants).</summary>
    private static (List<string> Names, Tensor?[] Meta) MetaStep(bool secondOrder)
    {
        var t = Fixture.Tensors;
        using var config = JsonDocument.Parse(Fixture.Metadata["config"]);
        int steps = config.RootElement.GetProperty("steps").GetInt32();
        float innerLr = (float)config.RootElement.GetProperty("inner_lr").GetDouble();

        var names = t.Keys.Where(k => k.StartsWith("param.", StringComparison.Ordinal)).Select(k => k["param.".Length..]).Order(StringComparer.Ordinal).ToList();
        var theta = names.ToDictionary(n => n, n => t["param." + n].Clone().RequiresGrad_());
        IReadOnlyDictionary<string, Tensor> fast = theta;
        for (int step = 0; step < steps; step++)
        {
            var loss = F.CrossEntropy(Forward(fast, t["support.x"]), t["support.y"]);
            Numerics.AssertClose(t[$"inner_loss.{step}"], loss, 1e-5, 1e-6, $"inner loss {step}");
            var grads = AutogradEngine.Grad([loss], names.Select(n => fast[n]).ToList(), createGraph: secondOrder, retainGraph: true);
            fast = names.Select((n, i) => (n, fast[n] - innerLr * (secondOrder ? grads[i]! : grads[i]!.Detach()))).ToDictionary(p => p.n, p => p.Item2);
        }
        var queryLoss = F.CrossEntropy(Forward(fast, t["query.x"]), t["query.y"]);
        Numerics.AssertClose(t["query_loss"], queryLoss, 1e-5, 1e-6, "query loss");
        return (names, AutogradEngine.Grad([queryLoss], names.Select(n => theta[n]).ToList()));
    }

    [Fact]
    public void Meta_gradients_through_two_inner_steps_match_pytorch()
    {
        var (names, meta) = MetaStep(secondOrder: true);
        for (int i = 0; i < names.Count; i++)
            Numerics.AssertClose(Fixture.Tensors["meta_grad." + names[i]], meta[i]!, 1e-4, 1e-5, "meta-gradient " + names[i]);
    }

    [Fact]
    public void First_order_maml_differs_from_the_true_meta_gradient()
    {
        // Guards the test above: with the second-order terms dropped the meta-gradient must move
        // away from PyTorch's, or the comparison above would not be able to see them.
        var (names, firstOrder) = MetaStep(secondOrder: false);
        int convW = names.IndexOf("conv.w");
        var difference = (firstOrder[convW]! - Fixture.Tensors["meta_grad.conv.w"]).Abs().Max().Item();
        Assert.True(difference > 1e-3, $"first-order and second-order meta-gradients agree to {difference}");
    }
}
