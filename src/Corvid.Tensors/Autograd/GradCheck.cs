namespace Corvid.Tensors.Autograd;

/// <summary>
/// Compares autograd's gradients with central finite differences, like <c>torch.autograd.gradcheck</c>.
/// The engine is float32, so differences are taken in float32 with a step suited to it, and the
/// default tolerances are those of float32 (about 1e-2 relative), not of float64.
/// </summary>
public static class GradCheck
{
    public sealed record Result(bool Passed, double MaxAbsoluteError, string Detail);

    /// <summary>Checks d(sum(f(inputs) · v))/d(input) for a fixed random v, for every input that requires grad.</summary>
    public static Result Check(Func<Tensor[], Tensor> function, Tensor[] inputs, float eps = 1e-2f, double rtol = 2e-2, double atol = 2e-3, ulong seed = 7)
    {
        var output = function(inputs);
        var v = Tensor.Randn(output.Shape.ToArray(), new Generator(seed));
        Tensor Scalar(Tensor[] xs)
        {
            using (GradMode.NoGrad()) return (function(xs) * v).Sum();
        }

        var wanted = inputs.Where(t => t.RequiresGrad).ToList();
        if (wanted.Count == 0) throw new ArgumentException("gradcheck: no input requires grad");
        var analytic = AutogradEngine.Grad([(output * v).Sum()], wanted, allowUnused: true);

        double worst = 0;
        for (int w = 0; w < wanted.Count; w++)
        {
            var input = wanted[w];
            var data = input.Contiguous();
            if (!ReferenceEquals(data, input)) throw new ArgumentException("gradcheck: inputs must be contiguous");
            var values = input.F;
            var grad = analytic[w]?.ToArray() ?? new float[input.Numel];
            for (int i = 0; i < input.Numel; i++)
            {
                int at = input.Offset + i;
                float original = values[at];
                values[at] = original + eps;
                double plus = Scalar(inputs).Item();
                values[at] = original - eps;
                double minus = Scalar(inputs).Item();
                values[at] = original;
                double numeric = (plus - minus) / (2 * eps);
                double error = Math.Abs(numeric - grad[i]);
                worst = Math.Max(worst, error);
                if (error > atol + rtol * Math.Abs(numeric))
                    return new Result(false, error, $"input {inputs.ToList().IndexOf(input)} element {i}: numerical gradient {numeric:G6}, analytical {grad[i]:G6}");
            }
        }
        return new Result(true, worst, "ok");
    }
}
