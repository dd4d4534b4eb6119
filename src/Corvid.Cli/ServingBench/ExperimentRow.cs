namespace Corvid.Cli.ServingBench;

/// <summary>One configuration's measured result: throughput, latency percentiles, and peak CPU and memory of its process tree.</summary>
internal sealed record ExperimentRow(
    string Setup,
    string Kind,
    int Concurrency,
    int Images,
    double Seconds,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double PeakCpuPercent,
    double PeakMemoryMb,
    int Errors,
    double ClientCpuPercent = double.NaN)
{
    public double ImagesPerSecond => Images / Seconds;

    public static (double P50, double P95, double P99) Percentiles(List<double> latenciesMs)
    {
        if (latenciesMs.Count == 0) return (double.NaN, double.NaN, double.NaN);
        latenciesMs.Sort();
        double At(double q) => latenciesMs[Math.Min(latenciesMs.Count - 1, (int)Math.Ceiling(q * latenciesMs.Count) - 1)];
        return (At(0.50), At(0.95), At(0.99));
    }
}
