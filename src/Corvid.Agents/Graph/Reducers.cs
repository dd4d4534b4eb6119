using System.Collections.Immutable;

namespace Corvid.Agents;

/// <summary>
/// Ready-made reducers: how a field combines its current value with a written one. A field without a
/// reducer keeps the last value and accepts one write per step.
/// </summary>
public static class Reducers
{
    /// <summary>Appends the written items (LangGraph's <c>operator.add</c> on lists).</summary>
    public static Func<ImmutableList<T>, ImmutableList<T>, ImmutableList<T>> Append<T>() =>
        (current, written) => (current ?? []).AddRange(written ?? []);

    /// <summary>
    /// Appends items, replacing an existing item that has the same id (LangGraph's <c>add_messages</c>): a node can
    /// revise an earlier message by writing a copy with its id.
    /// </summary>
    public static Func<ImmutableList<T>, ImmutableList<T>, ImmutableList<T>> AddById<T>(Func<T, string> id) =>
        (current, written) =>
        {
            var result = current ?? [];
            foreach (var item in written ?? [])
            {
                var index = result.FindIndex(existing => id(existing) == id(item));
                result = index >= 0 ? result.SetItem(index, item) : result.Add(item);
            }
            return result;
        };

    /// <summary>Adds numbers: counters written by several nodes in one step add up.</summary>
    public static Func<int, int, int> Sum() => (current, written) => current + written;

    /// <summary>Adds token usage.</summary>
    public static Func<TokenUsage, TokenUsage, TokenUsage> SumUsage() => (current, written) => current + written;

    /// <summary>Merges dictionaries; for a key present in both, <paramref name="combine"/> decides (default: the written value).</summary>
    public static Func<ImmutableSortedDictionary<TKey, TValue>, ImmutableSortedDictionary<TKey, TValue>, ImmutableSortedDictionary<TKey, TValue>>
        Merge<TKey, TValue>(Func<TValue, TValue, TValue>? combine = null) where TKey : notnull =>
        (current, written) =>
        {
            var result = current ?? ImmutableSortedDictionary<TKey, TValue>.Empty;
            foreach (var (key, value) in written ?? ImmutableSortedDictionary<TKey, TValue>.Empty)
            {
                result = result.SetItem(key, combine is not null && result.TryGetValue(key, out var old) ? combine(old, value) : value);
            }
            return result;
        };
}
