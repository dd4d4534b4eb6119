namespace Corvid.Agents.Debate;

/// <summary>
/// A <see cref="Random"/> seeded from the debate's seed and the names of a decision (side, stage, attempt), so
/// the same decision comes out the same in any process: a resumed debate repeats none and changes none.
/// (string.GetHashCode is randomized per process, so the seed is hashed here with FNV-1a.)
/// </summary>
internal static class StableRandom
{
    public static Random For(int seed, params object[] parts)
    {
        var hash = 2166136261u;
        foreach (var c in $"{seed}|{string.Join('|', parts)}")
        {
            hash = (hash ^ c) * 16777619u;
        }
        return new Random((int)(hash & 0x7fffffff));
    }
}
