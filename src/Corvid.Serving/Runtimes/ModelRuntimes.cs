namespace Corvid.Serving.Runtimes;

/// <summary>The runtimes a server knows, by the name a manifest uses.</summary>
public sealed class ModelRuntimes
{
    private readonly Dictionary<string, IModelRuntime> _byName = new(StringComparer.OrdinalIgnoreCase);

    public ModelRuntimes(IEnumerable<IModelRuntime> runtimes)
    {
        foreach (var runtime in runtimes) _byName[runtime.Name] = runtime;
    }

    /// <summary>The runtimes Corvid ships: <c>onnx</c> (ONNX Runtime) and <c>corvid</c> (Corvid's own engine).</summary>
    public static ModelRuntimes Default() => new([new Onnx.OnnxModelRuntime(), new Engine.EngineModelRuntime()]);

    public IEnumerable<string> Names => _byName.Keys;

    public IModelRuntime Get(string name) =>
        _byName.TryGetValue(name, out var runtime)
            ? runtime
            : throw new ModelLoadException($"runtime '{name}' is not available; known runtimes: {string.Join(", ", _byName.Keys)}");
}
