namespace Corvid.Tensors;

/// <summary>
/// A seedable random source (xoshiro256**) for tensor creation, dropout and initialisation, like
/// <c>torch.Generator</c>. Same seed, same sequence, on every machine.
/// </summary>
public sealed class Generator
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;

    public Generator(ulong seed = 0) => ManualSeed(seed);

    /// <summary>The generator used when none is passed; reseed it with <see cref="Torch.ManualSeed"/>.</summary>
    public static Generator Default { get; } = new(0x5EED);

    public Generator ManualSeed(ulong seed)
    {
        // SplitMix64 spreads the seed over the four words of state.
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
        _spareNormal = null;
        return this;
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, 1) as float (24 random bits, never rounds up to 1).</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>Standard normal by the Box–Muller transform.</summary>
    public double NextNormal()
    {
        if (_spareNormal is { } spare)
        {
            _spareNormal = null;
            return spare;
        }
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareNormal = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Uniform integer in [low, high).</summary>
    public long NextInt64(long low, long high)
    {
        if (high <= low) throw new ArgumentException($"random integer range [{low}, {high}) is empty");
        ulong range = (ulong)(high - low);
        ulong limit = ulong.MaxValue - ulong.MaxValue % range;
        ulong v;
        do v = NextUInt64(); while (v >= limit);
        return low + (long)(v % range);
    }
}

/// <summary>Process-wide settings, as in <c>torch.manual_seed</c> and <c>torch.set_num_threads</c>.</summary>
public static class Torch
{
    public static void ManualSeed(ulong seed) => Generator.Default.ManualSeed(seed);

    /// <summary>Threads used by the heavy kernels (matmul, convolution). 1 gives bit-identical results run to run.</summary>
    public static int NumThreads
    {
        get => Kernels.Threads.Count;
        set => Kernels.Threads.Count = value;
    }
}
