namespace Corvid.Tensors.Autograd;

/// <summary>Attaches an op's backward to its freshly computed output.</summary>
internal static class Graph
{
    /// <summary>
    /// Records <paramref name="output"/> as produced by the op <paramref name="name"/> from
    /// <paramref name="inputs"/> when grad mode is on and some input requires grad.
    /// </summary>
    public static Tensor Record(string name, Tensor output, BackwardFunction backward, params Tensor[] inputs)
    {
        if (GradMode.IsEnabled)
        {
            foreach (var input in inputs)
            {
                if (!input.RequiresGrad) continue;
                output.AttachGradFn(new Node(name, inputs, backward, output.shape));
                break;
            }
        }
        if (AnomalyMode.Enabled && !AutogradEngine.InBackward) AnomalyMode.CheckForward(name.Replace("Backward", "", StringComparison.Ordinal), output);
        return output;
    }
}
