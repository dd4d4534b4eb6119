namespace Corvid.Tensors.Autograd;

/// <summary>Whether ops record the graph on this thread (PyTorch's grad mode is thread-local too).</summary>
public static class GradMode
{
    [ThreadStatic] private static bool t_disabled;

    public static bool IsEnabled => !t_disabled;

    /// <summary>Ops inside the scope record no graph: <c>using (GradMode.NoGrad()) { … }</c>.</summary>
    public static IDisposable NoGrad() => new Scope(disabled: true);

    /// <summary>Turns recording back on inside a no-grad scope.</summary>
    public static IDisposable EnableGrad() => new Scope(disabled: false);

    private sealed class Scope : IDisposable
    {
        private readonly bool _previous;
        private bool _disposed;

        public Scope(bool disabled)
        {
            _previous = t_disabled;
            t_disabled = disabled;
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            t_disabled = _previous;
        }
    }
}

/// <summary>
/// Like <c>torch.autograd.detect_anomaly</c>: every op checks its output, and backward checks every
/// gradient, for NaN or infinity, and the error names the op. Costs a pass over each result.
/// </summary>
public static class AnomalyMode
{
    [ThreadStatic] private static bool t_enabled;

    public static bool Enabled => t_enabled;

    public static IDisposable Enable() => new Scope();

    private sealed class Scope : IDisposable
    {
        private readonly bool _previous = t_enabled;
        public Scope() => t_enabled = true;
        public void Dispose() => t_enabled = _previous;
    }

    internal static void CheckForward(string op, Tensor output)
    {
        if (output.DType == DType.Float32 && HasNonFinite(output))
            throw new AnomalyException($"{op}: the forward pass produced {Describe(output)} (anomaly mode)");
    }

    internal static void CheckBackward(Node node, int inputIndex, Tensor grad)
    {
        if (HasNonFinite(grad))
            throw new AnomalyException(
                $"Function '{node.Name}' returned {Describe(grad)} in its gradient for input {inputIndex} (anomaly mode). "
                + $"The forward of that op ran at:\n{node.CreationTrace}");
    }

    private static bool HasNonFinite(Tensor t)
    {
        var c = t.Contiguous();
        foreach (var v in c.F.AsSpan(c.Offset, c.Numel))
            if (!float.IsFinite(v)) return true;
        return false;
    }

    private static string Describe(Tensor t)
    {
        var c = t.Contiguous();
        bool nan = false;
        foreach (var v in c.F.AsSpan(c.Offset, c.Numel)) nan |= float.IsNaN(v);
        return nan ? "NaN values" : "infinite values";
    }
}

/// <summary>Raised in anomaly mode when an op or its gradient produces NaN or infinity.</summary>
public sealed class AnomalyException(string message) : Exception(message);
