using System.Globalization;
using Corvid.Bench;
using Corvid.Tensors.Kernels;

// corvid-bench: Corvid's kernels and PyTorch's on the same shapes, in the same run.
// Usage: dotnet run -c Release --project bench/Corvid.Bench -- [--threads 1,2] [--samples 7]
//        [--rounds 3] [--min-sample-seconds 0.05] [--filter TEXT] [--no-torch]
// corvid-bench models: ResNet18 inference vs ONNX Runtime and PyTorch, training steps vs PyTorch (ModelsCommand).
bool models = args is ["models", ..];
var options = Options.Parse(models || args is ["kernels", ..] ? args[1..] : args);
string repo = FindRepositoryRoot();
if (models)
{
    ModelsCommand.Run(options, repo);
    return;
}
string script = Path.Combine(repo, "bench", "torch_kernels.py");
var cases = KernelCases.All().Concat(SkinnyCases.All()).Where(c => options.Filter is null || c.Name.Contains(options.Filter, StringComparison.OrdinalIgnoreCase)
    || c.Group.Contains(options.Filter, StringComparison.OrdinalIgnoreCase)).ToList();

Console.WriteLine($"# Corvid kernels vs PyTorch, {Environment.ProcessorCount} logical cores, {options.Rounds} rounds of {options.Samples} samples");
Console.WriteLine();
Console.WriteLine("| group | case | threads | Corvid ms | Corvid GFLOP/s | PyTorch ms | PyTorch GFLOP/s | Corvid/PyTorch |");
Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
string torchVersion = "not run";
foreach (int threads in options.Threads)
{
    Threads.Count = threads;
    // Rounds alternate Corvid and PyTorch, so a burst of load from elsewhere on this shared machine
    // hits both sides alike; each side's figure is the median over rounds of per-round medians.
    var corvid = cases.ToDictionary(c => c.Name, _ => new List<double>());
    var torch = cases.ToDictionary(c => c.Name, _ => new List<double>());
    for (int round = 0; round < options.Rounds; round++)
    {
        foreach (var c in cases)
        {
            var call = c.Setup();
            corvid[c.Name].Add(Timing.MedianSeconds(call, options.Samples, options.MinSampleSeconds));
            GC.Collect();
        }
        if (!options.RunTorch) continue;
        (torchVersion, var seconds) = TorchRunner.Run(script, cases, threads, options.Samples, options.MinSampleSeconds);
        foreach (var (name, value) in seconds) torch[name].Add(value);
    }
    foreach (var c in cases)
    {
        double mine = Timing.Median(corvid[c.Name]);
        string peer = "", peerRate = "", ratio = "";
        if (torch[c.Name].Count > 0)
        {
            double theirs = Timing.Median(torch[c.Name]);
            peer = F(theirs * 1e3, 3);
            peerRate = F(c.Flops / theirs / 1e9, 1);
            ratio = F(theirs / mine, 2) + "x";
        }
        Console.WriteLine($"| {c.Group} | {c.Name} | {threads} | {F(mine * 1e3, 3)} | {F(c.Flops / mine / 1e9, 1)} | {peer} | {peerRate} | {ratio} |");
    }
}
Console.WriteLine();
Console.WriteLine($"PyTorch {torchVersion} (OPENBLAS_CORETYPE=SkylakeX, OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=threads, torch.set_num_threads(threads)); .NET {Environment.Version}.");
Console.WriteLine("Corvid/PyTorch is PyTorch's time over Corvid's: above 1 means Corvid is faster.");

static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "bench", "torch_kernels.py"))) return dir.FullName;
    var cwd = Directory.GetCurrentDirectory();
    if (File.Exists(Path.Combine(cwd, "bench", "torch_kernels.py"))) return cwd;
    throw new InvalidOperationException("corvid-bench: cannot find bench/torch_kernels.py above the program or the current folder");
}

sealed record Options(int[] Threads, int Samples, int Rounds, double MinSampleSeconds, string? Filter, bool RunTorch)
{
    public static Options Parse(string[] args)
    {
        var o = new Options([1, 2], 7, 3, 0.05, null, true);
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"corvid-bench: {args[i]} needs a value");
            o = args[i] switch
            {
                "--threads" => o with { Threads = Next().Split(',').Select(int.Parse).ToArray() },
                "--samples" => o with { Samples = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--rounds" => o with { Rounds = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--min-sample-seconds" => o with { MinSampleSeconds = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--filter" => o with { Filter = Next() },
                "--no-torch" => o with { RunTorch = false },
                _ => throw new ArgumentException($"corvid-bench: unknown option {args[i]} (known: --threads 1,2 --samples N --rounds N --min-sample-seconds S --filter TEXT --no-torch)"),
            };
        }
        return o;
    }
}
