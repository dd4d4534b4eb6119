namespace Corvid.Tensors.Autograd;

/// <summary>
/// Reverse-mode differentiation over the recorded graph. Nodes run in reverse creation order,
/// which is a valid topological order because a node is always created after its inputs' nodes.
/// </summary>
public static class AutogradEngine
{
    [ThreadStatic] private static int t_backwardDepth;

    /// <summary>True while a backward pass runs on this thread (anomaly mode then blames backward functions, not forwards).</summary>
    internal static bool InBackward => t_backwardDepth > 0;

    /// <summary>
    /// Gradients of <paramref name="outputs"/> with respect to <paramref name="inputs"/> (leaves or
    /// not), like <c>torch.autograd.grad</c>. With <paramref name="createGraph"/> the gradients are
    /// themselves recorded, so they can be differentiated again (MAML's second-order step).
    /// </summary>
    public static Tensor?[] Grad(
        IReadOnlyList<Tensor> outputs,
        IReadOnlyList<Tensor> inputs,
        IReadOnlyList<Tensor?>? gradOutputs = null,
        bool createGraph = false,
        bool? retainGraph = null,
        bool allowUnused = false)
    {
        for (int i = 0; i < inputs.Count; i++)
        {
            if (!inputs[i].RequiresGrad)
                throw new ArgumentException($"grad: input {i} (shape {ShapeMath.Format(inputs[i].shape)}) does not require grad");
        }
        var wanted = new HashSet<Tensor>(inputs, ReferenceEqualityComparer.Instance);
        var leadsToWanted = new Dictionary<Node, bool>(ReferenceEqualityComparer.Instance);

        var results = new Tensor?[inputs.Count];
        Run(outputs, gradOutputs, createGraph, retainGraph ?? createGraph, (tensor, grad) =>
        {
            for (int i = 0; i < inputs.Count; i++)
            {
                if (ReferenceEquals(inputs[i], tensor))
                    results[i] = results[i] is null ? grad : results[i]! + grad;
            }
        }, shouldRun: node => LeadsTo(node, wanted, leadsToWanted));

        for (int i = 0; i < inputs.Count; i++)
        {
            if (results[i] is null && !allowUnused)
                throw new InvalidOperationException(
                    $"grad: input {i} (shape {ShapeMath.Format(inputs[i].shape)}) was not used to compute the outputs; pass allowUnused: true if that is expected");
        }
        return results;
    }

    /// <summary>Accumulates d(output)/d(leaf) into every leaf's <see cref="Tensor.Grad"/>.</summary>
    public static void Backward(Tensor output, Tensor? gradOutput = null, bool retainGraph = false, bool createGraph = false)
    {
        Run([output], [gradOutput], createGraph, retainGraph || createGraph, (tensor, grad) =>
        {
            if (!tensor.IsLeaf && !tensor.RetainsGrad) return;
            var g = createGraph ? grad : grad.Detach();
            tensor.Grad = tensor.Grad is null ? g : (createGraph ? tensor.Grad + g : AddDetached(tensor.Grad, g));
        }, shouldRun: null);
    }

    private static Tensor AddDetached(Tensor a, Tensor b)
    {
        using (GradMode.NoGrad()) return a + b;
    }

    private static void Run(
        IReadOnlyList<Tensor> outputs,
        IReadOnlyList<Tensor?>? gradOutputs,
        bool createGraph,
        bool retainGraph,
        Action<Tensor, Tensor> deliver,
        Func<Node, bool>? shouldRun)
    {
        var pending = new Dictionary<Node, Tensor>(ReferenceEqualityComparer.Instance);
        var producedBy = new Dictionary<Node, Tensor>(ReferenceEqualityComparer.Instance);
        var leafGrads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        var leafOrder = new List<Tensor>();

        using var mode = createGraph ? GradMode.EnableGrad() : GradMode.NoGrad();

        for (int i = 0; i < outputs.Count; i++)
        {
            var output = outputs[i];
            if (!output.RequiresGrad)
                throw new InvalidOperationException($"element {i} of the outputs (shape {ShapeMath.Format(output.shape)}) does not require grad and has no grad_fn");
            var seed = gradOutputs is not null && i < gradOutputs.Count ? gradOutputs[i] : null;
            if (seed is null)
            {
                if (output.Numel != 1)
                    throw new InvalidOperationException($"grad can be implicitly created only for scalar outputs; output {i} has shape {ShapeMath.Format(output.shape)}, pass its gradient");
                seed = Tensor.OnesLike(output);
            }
            else if (!ShapeMath.SameShape(seed.shape, output.shape))
            {
                throw new ArgumentException($"gradient for output {i} has shape {ShapeMath.Format(seed.shape)}, the output has {ShapeMath.Format(output.shape)}");
            }
            Accumulate(output, seed, pending, producedBy, leafGrads, leafOrder);
        }

        var order = Reachable(pending.Keys);
        foreach (var node in order)
        {
            if (!pending.Remove(node, out var grad)) continue;
            var tensor = producedBy[node];
            deliver(tensor, grad);
            // autograd.grad only runs the part of the graph that leads to the requested inputs.
            if (shouldRun is not null && !shouldRun(node)) continue;
            Tensor?[] inputGrads;
            t_backwardDepth++;
            try
            {
                inputGrads = node.Apply(grad);
            }
            finally
            {
                t_backwardDepth--;
            }
            if (!retainGraph) node.Release();
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                var g = i < inputGrads.Length ? inputGrads[i] : null;
                var input = node.Inputs[i];
                if (g is null || !input.RequiresGrad) continue;
                if (!ShapeMath.SameShape(g.shape, input.shape))
                    throw new InvalidOperationException(
                        $"Function '{node.Name}' returned a gradient of shape {ShapeMath.Format(g.shape)} for input {i}, which has shape {ShapeMath.Format(input.shape)}");
                if (AnomalyMode.Enabled) AnomalyMode.CheckBackward(node, i, g);
                Accumulate(input, g, pending, producedBy, leafGrads, leafOrder);
            }
        }

        foreach (var leaf in leafOrder) deliver(leaf, leafGrads[leaf]);
    }

    /// <summary>Whether a gradient sent into this node can reach one of the wanted tensors.</summary>
    private static bool LeadsTo(Node root, HashSet<Tensor> wanted, Dictionary<Node, bool> memo)
    {
        if (memo.TryGetValue(root, out var known)) return known;
        // Iterative post-order, so deep graphs (long unrolled loops) do not overflow the stack.
        var stack = new Stack<(Node Node, bool Expanded)>();
        stack.Push((root, false));
        while (stack.Count > 0)
        {
            var (node, expanded) = stack.Pop();
            if (memo.ContainsKey(node)) continue;
            if (!expanded)
            {
                stack.Push((node, true));
                foreach (var input in node.Inputs)
                    if (input.GradFn is { } fn && input.RequiresGrad && !memo.ContainsKey(fn)) stack.Push((fn, false));
                continue;
            }
            bool leads = false;
            foreach (var input in node.Inputs)
            {
                if (!input.RequiresGrad) continue;
                if (wanted.Contains(input) || (input.GradFn is { } fn && memo.TryGetValue(fn, out var v) && v)) { leads = true; break; }
            }
            memo[node] = leads;
        }
        return memo[root];
    }

    private static void Accumulate(
        Tensor tensor, Tensor grad,
        Dictionary<Node, Tensor> pending, Dictionary<Node, Tensor> producedBy,
        Dictionary<Tensor, Tensor> leafGrads, List<Tensor> leafOrder)
    {
        if (tensor.GradFn is { } node)
        {
            producedBy[node] = tensor;
            pending[node] = pending.TryGetValue(node, out var existing) ? existing + grad : grad;
        }
        else
        {
            if (leafGrads.TryGetValue(tensor, out var existing)) leafGrads[tensor] = existing + grad;
            else
            {
                leafGrads[tensor] = grad;
                leafOrder.Add(tensor);
            }
        }
    }

    /// <summary>All nodes reachable from the roots, latest first.</summary>
    private static List<Node> Reachable(IEnumerable<Node> roots)
    {
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Node>(roots);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (!seen.Add(node)) continue;
            foreach (var input in node.Inputs)
                if (input.GradFn is { } fn && input.RequiresGrad) stack.Push(fn);
        }
        var order = seen.ToList();
        order.Sort((a, b) => b.Sequence.CompareTo(a.Sequence));
        return order;
    }
}
