using System.Globalization;
using System.Text.RegularExpressions;

namespace Corvid.Agents.Debate;

/// <summary>Finds the numbers a text states, sentence by sentence (ignoring digits inside words such as CO2).</summary>
internal static partial class NumericClaims
{
    [GeneratedRegex(@"(?<![A-Za-z\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|(?<![A-Za-z\d.,])\d+(?:\.\d+)?(?!\d)")]
    private static partial Regex Number();

    [GeneratedRegex(@"(?<=[.!?])\s+(?=[A-Z0-9""'(])")]
    private static partial Regex SentenceBreak();

    [GeneratedRegex(@"[a-z]{4,}")]
    private static partial Regex Word();

    public static IReadOnlyList<string> Sentences(string text) =>
        SentenceBreak().Split(text.Trim()).Where(s => s.Length > 0).ToList();

    public static IReadOnlyList<(string Text, decimal Value)> Numbers(string text) =>
        Number().Matches(text)
            .Select(m => (m.Value, decimal.Parse(m.Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture)))
            .ToList();

    public static HashSet<string> Words(string text) =>
        Word().Matches(text.ToLowerInvariant()).Select(m => m.Value).ToHashSet();
}
