using Corvid.Nn;
using Corvid.Nn.Optim;
using Corvid.Tensors;
using Fn = Corvid.Tensors.F; // Program.cs has a top-level F(), which hides the class F here
using Corvid.Tensors.Autograd;

namespace Corvid.Bench;

/// <summary>
/// A second-order MAML meta-step on the Conv-4 network (four conv(3x3)-BN-ReLU-maxpool(2) blocks and a
/// linear head, batch norm on batch statistics as in MAML): per task, inner SGD steps on the support set
/// whose gradients stay in the graph, then the query loss differentiated back to the meta-parameters;
/// Adam updates them once per meta-batch. Same as bench/torch_models.py's maml().
/// </summary>
public sealed class MamlConv4
{
    private readonly Dictionary<string, Tensor> _params = [];
    private readonly List<string> _names;
    private readonly Adam _optimizer;
    private readonly List<(Tensor SupportX, Tensor SupportY, Tensor QueryX, Tensor QueryY)> _tasks = [];
    private readonly int _innerSteps;
    private readonly float _innerLr;

    public MamlConv4(int ways, int shots, int queries, int channels, int size, int width, int tasks, int innerSteps, float innerLr)
    {
        (_innerSteps, _innerLr) = (innerSteps, innerLr);
        int cin = channels;
        for (int i = 0; i < 4; i++)
        {
            _params[$"conv{i}.w"] = Tensor.Randn(width, cin, 3, 3) * MathF.Sqrt(2f / (cin * 9));
            _params[$"conv{i}.b"] = Tensor.Zeros(width);
            _params[$"bn{i}.w"] = Tensor.Ones(width);
            _params[$"bn{i}.b"] = Tensor.Zeros(width);
            cin = width;
        }
        int feat = size >> 4; // four 2x2 max pools, each rounding down
        _params["fc.w"] = Tensor.Randn(ways, width * feat * feat) * 0.01f;
        _params["fc.b"] = Tensor.Zeros(ways);
        foreach (var p in _params.Values) p.RequiresGrad_();
        _names = [.. _params.Keys.Order(StringComparer.Ordinal)];
        _optimizer = new Adam(_names.Select(n => _params[n]), lr: 1e-3);
        for (int t = 0; t < tasks; t++)
            _tasks.Add((Tensor.Randn(ways * shots, channels, size, size), Labels(ways, shots), Tensor.Randn(ways * queries, channels, size, size), Labels(ways, queries)));
    }

    private static Tensor Labels(int ways, int perClass) =>
        Tensor.FromArray(Enumerable.Range(0, ways * perClass).Select(i => (long)(i / perClass)).ToArray());

    private static Tensor Forward(IReadOnlyDictionary<string, Tensor> p, Tensor x)
    {
        for (int i = 0; i < 4; i++)                                            // x: (N, C, S, S) → (N, width, S/2, S/2) each block
        {
            x = Fn.Conv2d(x, p[$"conv{i}.w"], p[$"conv{i}.b"], stride: 1, padding: 1);
            x = Fn.BatchNorm(x, null, null, p[$"bn{i}.w"], p[$"bn{i}.b"], training: true);
            x = Fn.MaxPool2d(x.Relu(), 2);
        }
        return Fn.Linear(x.Flatten(1), p["fc.w"], p["fc.b"]);                // (N, ways)
    }

    public void Step()
    {
        _optimizer.ZeroGrad();
        foreach (var (sx, sy, qx, qy) in _tasks)
        {
            IReadOnlyDictionary<string, Tensor> fast = _params;
            for (int step = 0; step < _innerSteps; step++)
            {
                var loss = Fn.CrossEntropy(Forward(fast, sx), sy);
                var grads = AutogradEngine.Grad([loss], _names.Select(n => fast[n]).ToList(), createGraph: true);
                fast = _names.Select((n, i) => (n, fast[n] - _innerLr * grads[i]!)).ToDictionary(p => p.n, p => p.Item2);
            }
            (Fn.CrossEntropy(Forward(fast, qx), qy) / _tasks.Count).Backward();
        }
        _optimizer.Step();
    }
}
