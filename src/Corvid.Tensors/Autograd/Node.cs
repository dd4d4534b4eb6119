namespace Corvid.Tensors.Autograd;

/// <summary>
/// Computes the gradients of an op's inputs from the gradient of its output. It is written with
/// tensor ops, so when the graph is kept (<c>createGraph</c>) the gradients are differentiable too.
/// <paramref name="needsGrad"/> says which inputs want a gradient; return null for the others.
/// </summary>
public delegate Tensor?[] BackwardFunction(Tensor gradOutput, bool[] needsGrad);

/// <summary>One op in the autograd graph: its inputs and how to send a gradient back to them.</summary>
public sealed class Node
{
    private static long s_sequence;
    private BackwardFunction? _backward;
    private readonly (Tensor Tensor, int Version)[] _saved;

    internal Node(string name, Tensor[] inputs, BackwardFunction backward, int[] outputShape)
    {
        Name = name;
        Inputs = inputs;
        _backward = backward;
        OutputShape = outputShape;
        Sequence = Interlocked.Increment(ref s_sequence);
        // Record the versions of the inputs: an in-place write to one of them before backward
        // would make the gradient silently wrong, so backward checks them.
        _saved = new (Tensor, int)[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) _saved[i] = (inputs[i], inputs[i].Storage.Version);
        NeedsGrad = new bool[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) NeedsGrad[i] = inputs[i].RequiresGrad;
        if (AnomalyMode.Enabled) CreationTrace = Environment.StackTrace;
    }

    /// <summary>The op's name, as in PyTorch's grad_fn (<c>MulBackward</c>, <c>Conv2dBackward</c>, …).</summary>
    public string Name { get; }

    public IReadOnlyList<Tensor> Inputs { get; }
    internal bool[] NeedsGrad { get; }
    internal int[] OutputShape { get; }

    /// <summary>Creation order; every node is created after the nodes of its inputs.</summary>
    internal long Sequence { get; }

    /// <summary>In anomaly mode, where the op's forward ran, for the error message.</summary>
    internal string? CreationTrace { get; }

    internal bool Released => _backward is null;

    internal Tensor?[] Apply(Tensor gradOutput)
    {
        var backward = _backward ?? throw new InvalidOperationException(
            $"Trying to backward through the graph a second time (through {Name}): its saved values were freed after the first backward. "
            + "Pass retainGraph: true to the first backward if you need to call it again.");
        for (int i = 0; i < _saved.Length; i++)
        {
            var (tensor, version) = _saved[i];
            if (tensor.Storage.Version != version)
                throw new InvalidOperationException(
                    $"{Name}: input {i} (shape {ShapeMath.Format(tensor.shape)}) was modified in place after it was used; "
                    + "its gradient would be wrong. Use an out-of-place op or clone the tensor first.");
        }
        return backward(gradOutput, NeedsGrad);
    }

    internal void Release() => _backward = null;

    public override string ToString() => $"<{Name}>";
}
