using System.Reflection;
using System.Text.Json;

namespace Corvid.Agents;

/// <summary>
/// The fields of a state type (its settable public properties) and the reducer of each: how updates are
/// applied to a state, and how states and writes are stored as JSON in checkpoints.
/// </summary>
internal sealed class StateSchema<TState> where TState : class
{
    private static readonly Func<object, object> ShallowCopy = typeof(object)
        .GetMethod("MemberwiseClone", BindingFlags.Instance | BindingFlags.NonPublic)!
        .CreateDelegate<Func<object, object>>();

    private readonly Dictionary<string, StateField> _fields;

    public StateSchema(IReadOnlyDictionary<string, Delegate> reducers, JsonSerializerOptions json)
    {
        Json = json;
        _fields = typeof(TState)
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.CanWrite && p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
            .ToDictionary(p => p.Name, p => new StateField(p, reducers.GetValueOrDefault(p.Name)));
        foreach (var name in reducers.Keys.Where(name => !_fields.ContainsKey(name)))
        {
            throw new GraphDefinitionException($"reducer for '{name}': {typeof(TState).Name} has no settable property of that name");
        }
    }

    public JsonSerializerOptions Json { get; }

    public StateField Field(string name) => _fields.TryGetValue(name, out var field)
        ? field
        : throw new InvalidUpdateException(
            $"update writes '{name}', which is not a settable property of {typeof(TState).Name} "
            + $"(fields: {string.Join(", ", _fields.Keys.Order())})");

    /// <summary>
    /// Applies one step's writes, in task order, to a copy of <paramref name="state"/>. A field without a
    /// reducer may be written once per step; two writers are a conflict LangGraph users know as InvalidUpdateError.
    /// </summary>
    public TState Apply(TState state, IReadOnlyList<(string Node, IReadOnlyList<FieldWrite> Writes)> updates, int step)
    {
        var next = (TState)ShallowCopy(state);
        var writers = new Dictionary<string, (int Task, string Node)>();
        for (var task = 0; task < updates.Count; task++)
        {
            var (node, writes) = updates[task];
            foreach (var write in writes)
            {
                var field = Field(write.Field);
                if (field.Reducer is null)
                {
                    if (writers.TryGetValue(field.Name, out var first) && first.Task != task)
                    {
                        throw new InvalidUpdateException(
                            $"field '{field.Name}' was written by both '{first.Node}' and '{node}' in step {step}, and it has no reducer "
                            + $"to combine them; give it one with AddReducer(s => s.{field.Name}, ...) or let only one node write it");
                    }
                    writers[field.Name] = (task, node);
                    field.Set(next, write.Value);
                }
                else
                {
                    field.Set(next, field.Reducer.DynamicInvoke(field.Get(next), write.Value));
                }
            }
        }
        return next;
    }

    public JsonElement Serialize(TState state) => JsonSerializer.SerializeToElement(state, typeof(TState), Json);

    public TState Deserialize(JsonElement json) =>
        (TState)(json.Deserialize(typeof(TState), Json) ?? throw new JsonException($"checkpoint state is null for {typeof(TState).Name}"));

    public Dictionary<string, JsonElement> SerializeWrites(IReadOnlyList<FieldWrite> writes)
    {
        // A field written twice by one node keeps both writes in order: the key carries the index.
        var stored = new Dictionary<string, JsonElement>();
        for (var i = 0; i < writes.Count; i++)
        {
            var field = Field(writes[i].Field);
            stored[$"{i}:{field.Name}"] = JsonSerializer.SerializeToElement(writes[i].Value, field.Type, Json);
        }
        return stored;
    }

    public List<FieldWrite> DeserializeWrites(IReadOnlyDictionary<string, JsonElement> stored) =>
        stored
            .Select(pair => (Index: int.Parse(pair.Key[..pair.Key.IndexOf(':')], System.Globalization.CultureInfo.InvariantCulture),
                             Name: pair.Key[(pair.Key.IndexOf(':') + 1)..], pair.Value))
            .OrderBy(w => w.Index)
            .Select(w => new FieldWrite(w.Name, w.Value.Deserialize(Field(w.Name).Type, Json)))
            .ToList();
}

internal sealed class StateField(PropertyInfo property, Delegate? reducer)
{
    public string Name => property.Name;
    public Type Type => property.PropertyType;
    public Delegate? Reducer => reducer;
    public object? Get(object state) => property.GetValue(state);
    public void Set(object state, object? value) => property.SetValue(state, value);
}
