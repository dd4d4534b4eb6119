using System.Linq.Expressions;
using System.Reflection;

namespace Corvid.Agents;

/// <summary>
/// What a node returns: the fields it writes, nothing else. Fields it does not name keep their value;
/// a field with a reducer combines the written value with the current one (for example, messages append).
/// </summary>
/// <example><c>return new Update&lt;Chat&gt;().Set(s =&gt; s.Messages, [reply]).Set(s =&gt; s.Turn, state.Turn + 1);</c></example>
public class Update<TState> where TState : class
{
    private readonly List<FieldWrite> _writes = [];

    /// <summary>The writes in the order the node made them.</summary>
    public IReadOnlyList<FieldWrite> Writes => _writes;

    /// <summary>Writes <paramref name="value"/> to the field the lambda names, e.g. <c>s =&gt; s.Topic</c>.</summary>
    public Update<TState> Set<TValue>(Expression<Func<TState, TValue>> field, TValue value)
    {
        _writes.Add(new FieldWrite(FieldName(field), value));
        return this;
    }

    /// <summary>Writes a field by its property name (used when replaying stored writes).</summary>
    public Update<TState> Set(string field, object? value)
    {
        _writes.Add(new FieldWrite(field, value));
        return this;
    }

    internal static string FieldName<TValue>(Expression<Func<TState, TValue>> field)
    {
        var body = field.Body is UnaryExpression { NodeType: ExpressionType.Convert } convert ? convert.Operand : field.Body;
        if (body is MemberExpression { Member: PropertyInfo property } member && member.Expression == field.Parameters[0])
        {
            return property.Name;
        }
        throw new ArgumentException(
            $"update: '{field}' does not name a property of {typeof(TState).Name}; write it as s => s.SomeProperty",
            nameof(field));
    }
}

/// <summary>One field written by a node.</summary>
public sealed record FieldWrite(string Field, object? Value);
