using Corvid.Serving.Tensors;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;
using Microsoft.ML.OnnxRuntime;

namespace Corvid.Serving.Runtimes.Onnx;

/// <summary>One worker's handle on a shared ONNX Runtime session.</summary>
internal sealed class OnnxExecutor(OnnxLoadedModel owner, OnnxLoadedModel.SharedSession shared) : IModelExecutor
{
    private bool _disposed;

    public IReadOnlyList<NamedTensor> Run(IReadOnlyList<NamedTensor> inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var session = shared.Session;
        var values = new OrtValue[inputs.Count];
        var names = new string[inputs.Count];
        try
        {
            for (var i = 0; i < inputs.Count; i++)
            {
                names[i] = inputs[i].Name;
                values[i] = ToOrtValue(inputs[i]);
            }
            var outputNames = session.OutputNames;
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, outputNames);
            var outputs = new NamedTensor[results.Count];
            for (var i = 0; i < results.Count; i++)
            {
                outputs[i] = FromOrtValue(outputNames[i], results[i]);
            }
            return outputs;
        }
        finally
        {
            foreach (var v in values) v?.Dispose();
        }
    }

    private static OrtValue ToOrtValue(NamedTensor t)
    {
        var shape = Array.ConvertAll(t.Shape, d => (long)d);
        return t.Data switch
        {
            float[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
            double[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
            int[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
            long[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
            byte[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
            bool[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
            _ => throw new ArgumentException($"tensor '{t.Name}': {t.Data.GetType().Name} cannot be passed to ONNX Runtime"),
        };
    }

    private static NamedTensor FromOrtValue(string name, OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var shape = Array.ConvertAll(info.Shape, d => checked((int)d));
        return info.ElementDataType switch
        {
            TensorElementType.Float => new NamedTensor(name, TensorDataType.Float32, shape, value.GetTensorDataAsSpan<float>().ToArray()),
            TensorElementType.Double => new NamedTensor(name, TensorDataType.Float64, shape, value.GetTensorDataAsSpan<double>().ToArray()),
            TensorElementType.Int32 => new NamedTensor(name, TensorDataType.Int32, shape, value.GetTensorDataAsSpan<int>().ToArray()),
            TensorElementType.Int64 => new NamedTensor(name, TensorDataType.Int64, shape, value.GetTensorDataAsSpan<long>().ToArray()),
            TensorElementType.UInt8 => new NamedTensor(name, TensorDataType.UInt8, shape, value.GetTensorDataAsSpan<byte>().ToArray()),
            TensorElementType.Bool => new NamedTensor(name, TensorDataType.Bool, shape, value.GetTensorDataAsSpan<bool>().ToArray()),
            var other => throw new InvalidOperationException($"output '{name}': element type {other} is not supported by Corvid's server"),
        };
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        owner.Release(shared);
    }
}
