using Corvid.Serving.Tensors;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;
using Microsoft.ML.OnnxRuntime;

namespace Corvid.Serving.Runtimes.Onnx;

/// <summary>
/// An ONNX model held once per thread budget. ONNX Runtime sessions are safe to run from several threads
/// at once, so every worker that asks for the same intra-op thread count shares one session and with it
/// one copy of the weights. A session's intra-op thread count is fixed when it is created; when workers
/// are rescaled to a new count, a session for the new budget is built and the old one is released as
/// soon as its last worker retires.
/// </summary>
internal sealed class OnnxLoadedModel : ILoadedModel
{
    private readonly string _modelName;
    private readonly string _path;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, SharedSession> _sessions = new();
    private bool _disposed;

    public OnnxLoadedModel(string modelName, string path)
    {
        _modelName = modelName;
        _path = path;
        // Load one session now so a broken file fails at registration, not at the first request.
        var probe = Acquire(1);
        Inputs = probe.Session.InputMetadata.Select(kv => Spec(kv.Key, kv.Value)).ToList();
        Outputs = probe.Session.OutputMetadata.Select(kv => Spec(kv.Key, kv.Value)).ToList();
        Release(probe);
    }

    public IReadOnlyList<TensorSpec> Inputs { get; }
    public IReadOnlyList<TensorSpec> Outputs { get; }

    public IModelExecutor CreateExecutor(int intraOpThreads) => new OnnxExecutor(this, Acquire(Math.Max(1, intraOpThreads)));

    /// <summary>How many distinct sessions (weight copies) are alive; tests and the describe API read it.</summary>
    public int LiveSessions
    {
        get { lock (_gate) return _sessions.Count; }
    }

    internal SharedSession Acquire(int threads)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_sessions.TryGetValue(threads, out var shared))
            {
                shared = new SharedSession(threads, CreateSession(threads));
                _sessions[threads] = shared;
            }
            shared.Users++;
            return shared;
        }
    }

    internal void Release(SharedSession shared)
    {
        lock (_gate)
        {
            shared.Users--;
            if (shared.Users == 0 && _sessions.TryGetValue(shared.Threads, out var current) && current == shared)
            {
                _sessions.Remove(shared.Threads);
                shared.Session.Dispose();
            }
        }
    }

    private InferenceSession CreateSession(int threads)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // Idle intra-op threads spin by default, burning the cores other workers need.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        try
        {
            return new InferenceSession(_path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelLoadException($"model '{_modelName}': ONNX Runtime cannot load '{_path}': {e.Message}", e);
        }
        finally
        {
            options.Dispose();
        }
    }

    private static TensorSpec Spec(string name, NodeMetadata meta)
    {
        var type = meta.ElementDataType switch
        {
            TensorElementType.Float => TensorDataType.Float32,
            TensorElementType.Double => TensorDataType.Float64,
            TensorElementType.Int32 => TensorDataType.Int32,
            TensorElementType.Int64 => TensorDataType.Int64,
            TensorElementType.UInt8 => TensorDataType.UInt8,
            TensorElementType.Bool => TensorDataType.Bool,
            var other => throw new ModelLoadException($"tensor '{name}': element type {other} is not supported by Corvid's server"),
        };
        return new TensorSpec(name, type, meta.Dimensions.ToArray());
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var shared in _sessions.Values) shared.Session.Dispose();
            _sessions.Clear();
        }
    }

    internal sealed class SharedSession(int threads, InferenceSession session)
    {
        public int Threads { get; } = threads;
        public InferenceSession Session { get; } = session;
        public int Users { get; set; }
    }
}
