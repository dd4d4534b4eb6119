using System.Diagnostics;

namespace Corvid.Bench;

/// <summary>Median time of one call, measured the same way bench/torch_kernels.py measures PyTorch.</summary>
public static class Timing
{
    public static double MedianSeconds(Action call, int samples, double minSampleSeconds)
    {
        // Warm up: pool threads, packing buffers, and the JIT's tiers. Two calls left the first case of a run
        // partly in tier-0 code (up to 1.7x slower); tier-up needs about 30 calls of a method and a quiet 100 ms.
        var clock = Stopwatch.StartNew();
        for (int w = 0; w < 50 && (w < 2 || clock.Elapsed.TotalSeconds < 0.5); w++) call();
        clock.Restart();
        call();
        double once = Math.Max(clock.Elapsed.TotalSeconds, 1e-7);
        int reps = Math.Max(1, (int)(minSampleSeconds / once));
        var times = new double[samples];
        for (int s = 0; s < samples; s++)
        {
            clock.Restart();
            for (int r = 0; r < reps; r++) call();
            times[s] = clock.Elapsed.TotalSeconds / reps;
        }
        return Median(times);
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
