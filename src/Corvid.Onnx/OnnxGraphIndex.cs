using Corvid.Onnx.Proto;

namespace Corvid.Onnx;

/// <summary>
/// A read-only view of an ONNX graph for walking it by data flow: initializers by name, and the nodes
/// that consume each value. Loaders that map a file onto a Corvid model follow the network's forward
/// pass through it instead of trusting node order or exporter-chosen names.
/// </summary>
public sealed class OnnxGraphIndex
{
    private readonly Dictionary<string, TensorProto> _initializers;
    private readonly Dictionary<string, List<NodeProto>> _consumers = [];

    public OnnxGraphIndex(GraphProto graph, string source)
    {
        Graph = graph;
        Source = source;
        _initializers = graph.Initializer.ToDictionary(t => t.Name);
        foreach (var node in graph.Node)
            foreach (var input in node.Input.Where(i => i.Length > 0))
            {
                if (!_consumers.TryGetValue(input, out var list)) _consumers[input] = list = [];
                list.Add(node);
            }
    }

    public GraphProto Graph { get; }

    /// <summary>Where the graph came from (a file path), for error messages.</summary>
    public string Source { get; }

    /// <summary>The graph inputs that are not initializers: what a caller feeds.</summary>
    public IReadOnlyList<ValueInfoProto> DataInputs => Graph.Input.Where(v => !_initializers.ContainsKey(v.Name)).ToList();

    public bool IsInitializer(string name) => _initializers.ContainsKey(name);

    public TensorProto Initializer(string name) =>
        _initializers.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"{Source}: '{name}' is not an initializer of the graph");

    public IReadOnlyList<NodeProto> Consumers(string value) => _consumers.TryGetValue(value, out var list) ? list : [];

    /// <summary>The one node that reads <paramref name="value"/>, which must be a <paramref name="opType"/>.</summary>
    public NodeProto SingleConsumer(string value, string opType)
    {
        var consumers = Consumers(value);
        if (consumers.Count != 1 || consumers[0].OpType != opType)
            throw new InvalidDataException($"{Source}: expected '{value}' to feed one {opType} node, it feeds [{Describe(consumers)}]");
        return consumers[0];
    }

    public static string Describe(IEnumerable<NodeProto> nodes) => string.Join(", ", nodes.Select(n => $"{n.OpType} '{n.Name}'"));
}
