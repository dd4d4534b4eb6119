namespace Corvid.Text;

/// <summary>
/// How text is cut into pieces before byte-pair merging. The three patterns of OpenAI's encodings are
/// implemented by hand (exact, fast, and code-point aware); any other regex runs on .NET's Regex.
/// </summary>
public sealed class SplitPattern
{
    internal enum Kind { Cl100k, O200k, R50k, Custom }

    /// <summary>A short name (<c>cl100k_base</c>, <c>o200k_base</c>, <c>r50k_base</c>, or <c>custom</c>).</summary>
    public string Name { get; }

    /// <summary>The regular expression, as tiktoken writes it.</summary>
    public string Regex { get; }

    internal Kind Implementation { get; }

    internal System.Text.RegularExpressions.Regex? Compiled { get; }

    private SplitPattern(string name, string regex, Kind kind)
    {
        Name = name;
        Regex = regex;
        Implementation = kind;
        if (kind == Kind.Custom)
        {
            try
            {
                Compiled = new System.Text.RegularExpressions.Regex(regex, System.Text.RegularExpressions.RegexOptions.Compiled | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
            }
            catch (ArgumentException e)
            {
                throw new TokenizerException($"split pattern '{regex}' is not a valid .NET regular expression: {e.Message}", e);
            }
        }
    }

    /// <summary>GPT-4's pattern (cl100k_base); also the trainer's default.</summary>
    public static SplitPattern Cl100k { get; } = new("cl100k_base",
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+", Kind.Cl100k);

    /// <summary>GPT-4o's pattern (o200k_base).</summary>
    public static SplitPattern O200k { get; } = new("o200k_base",
        @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+", Kind.O200k);

    /// <summary>GPT-2's and GPT-3's pattern (r50k_base, gpt2).</summary>
    public static SplitPattern R50k { get; } = new("r50k_base",
        @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", Kind.R50k);

    /// <summary>
    /// A pattern by name (<c>cl100k_base</c>, <c>o200k_base</c>, <c>r50k_base</c>, <c>gpt2</c>) or by regex.
    /// A regex equal to a known pattern uses its hand-written splitter; any other runs on .NET's Regex,
    /// which matches UTF-16 code units (a letter outside the BMP is not <c>\p{L}</c> there).
    /// </summary>
    public static SplitPattern Parse(string nameOrRegex)
    {
        foreach (var known in new[] { Cl100k, O200k, R50k })
        {
            if (nameOrRegex == known.Name || nameOrRegex == known.Regex) return known;
        }
        if (nameOrRegex is "gpt2" or "cl100k" or "o200k" or "r50k" or "gpt4" or "gpt-4")
            return nameOrRegex switch { "o200k" => O200k, "gpt2" or "r50k" => R50k, _ => Cl100k };
        return new SplitPattern("custom", nameOrRegex, Kind.Custom);
    }

    public override string ToString() => Name;
}
