// Encode throughput of Corvid.Text against Microsoft.ML.Tokenizers 2.0.1, SharpToken 2.0.6 and OpenAI's tiktoken
// (npm WASM build, through Node), on the same documents in the same run; plus the pathological file and the trainer.
//
//   node tools/tiktoken-fixtures/make-bench-corpus.mjs        # once: writes artifacts/bench-corpus/
//   dotnet run -c Release --project bench/Corvid.Bench.Text -- [--runs 5] [--encoding cl100k_base] [--no-node] [--no-train] [--no-pathological] [--no-pathological-peers] [--train-vocab 32000]
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Corvid.Bench.Text;
using Corvid.Text;
using Corvid.Text.Training;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
string root = FindRoot();
string corpusDir = Path.Combine(root, "artifacts", "bench-corpus");
int runs = IntArg("--runs", 5);
string encoding = StringArg("--encoding", "cl100k_base");
bool node = !args.Contains("--no-node");
bool train = !args.Contains("--no-train");
bool pathological = !args.Contains("--no-pathological");
bool pathologicalPeers = !args.Contains("--no-pathological-peers"); // the .NET peers need minutes on it
int trainVocab = IntArg("--train-vocab", 32_000);
int cores = Environment.ProcessorCount;

if (!File.Exists(Path.Combine(corpusDir, "english.txt")))
{
    Console.Error.WriteLine($"No corpus in {corpusDir}: run 'node tools/tiktoken-fixtures/make-bench-corpus.mjs' first.");
    return 1;
}

Console.WriteLine($"# Corvid.Text encode benchmark ({encoding}), {DateTime.UtcNow:yyyy-MM-dd}");
Console.WriteLine($"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {cores} logical cores, median of {runs} runs after one warm-up.");
Console.WriteLine();

var clock = Stopwatch.StartNew();
var peers = Peer.ForEncoding(encoding);
Console.WriteLine($"Constructing the three tokenizers took {clock.Elapsed.TotalMilliseconds:F0} ms in all.");
Console.WriteLine();

foreach (var file in new[] { "english.txt", "mixed.txt" })
{
    var docs = Documents(Path.Combine(corpusDir, file));
    long bytes = docs.Sum(d => (long)Encoding.UTF8.GetByteCount(d));
    var reference = docs.Select(d => Tokenizer.ForEncoding(encoding).EncodeOrdinary(d)).ToArray();
    long tokens = reference.Sum(r => (long)r.Length);
    Console.WriteLine($"## {file}: {bytes / 1e6:F1} MB, {docs.Length} documents, {tokens:N0} tokens");
    Console.WriteLine();
    Console.WriteLine("| tokenizer | 1 thread MB/s | all cores MB/s | documents whose ids differ from Corvid's (= tiktoken's) |");
    Console.WriteLine("|---|---:|---:|---:|");
    var differ = peers.Select(peer => docs.Where((d, i) => !peer.Encode(d).SequenceEqual(reference[i])).Count()).ToArray();
    // Runs are interleaved (peer 1, peer 2, peer 3, peer 1, ...) so a busy machine slows every peer alike.
    var single = Interleaved(runs, peers.Select(peer => (Action)(() => { foreach (var d in docs) peer.Encode(d); })).ToArray());
    var all = Interleaved(runs, peers.Select(peer => (Action)(() =>
        Parallel.ForEach(docs, new ParallelOptions { MaxDegreeOfParallelism = cores }, d => peer.Encode(d)))).ToArray());
    var results = peers.Select((peer, k) => (peer.Name, Single: bytes / 1e6 / single[k], All: bytes / 1e6 / all[k])).ToList();
    for (int k = 0; k < peers.Count; k++)
        Console.WriteLine($"| {peers[k].Name} | {results[k].Single:F1} | {results[k].All:F1} | {differ[k]} |");
    if (node)
    {
        var js = RunNode("bench-tiktoken.mjs", Path.Combine(corpusDir, file), encoding, runs.ToString(CultureInfo.InvariantCulture));
        if (js is not null)
        {
            long jsTokens = js.Value.GetProperty("tokens").GetInt64();
            Console.WriteLine($"| tiktoken 1.0.22 (WASM, Node {js.Value.GetProperty("node").GetString()}) | {js.Value.GetProperty("single").GetDouble():F1} | {js.Value.GetProperty("all").GetDouble():F1} | {(jsTokens == tokens ? "0 (same token total)" : $"token total {jsTokens:N0}")} |");
        }
    }
    var fastestPeer = results.Skip(1).MaxBy(r => r.Single);
    Console.WriteLine();
    Console.WriteLine($"Corvid/fastest .NET peer ({fastestPeer.Name}): {results[0].Single / fastestPeer.Single:F2}x on 1 thread, "
        + $"{results[0].All / results.Skip(1).Max(r => r.All):F2}x on all cores.");
    Console.WriteLine();
}

if (pathological)
{
    var docs = Documents(Path.Combine(corpusDir, "pathological.txt"));
    long bytes = docs.Sum(d => (long)Encoding.UTF8.GetByteCount(d));
    Console.WriteLine($"## pathological.txt: {bytes / 1e6:F1} MB in {docs.Length} unbroken runs (100k spaces, 100k × x, 1M × ^, digits, newlines, random letters, base64, CJK…)");
    Console.WriteLine();
    Console.WriteLine("| tokenizer | seconds (1 thread) | MB/s | note |");
    Console.WriteLine("|---|---:|---:|---|");
    // Corvid: a cold first run, then the median of --runs runs. The peers take minutes here, so they run once.
    var corvid = peers[0];
    var reference = new IReadOnlyList<int>[docs.Length];
    var coldWatch = Stopwatch.StartNew();
    for (int i = 0; i < docs.Length; i++) reference[i] = corvid.Encode(docs[i]);
    double cold = coldWatch.Elapsed.TotalSeconds;
    double corvidSeconds = Interleaved(runs, [() => { foreach (var d in docs) corvid.Encode(d); }])[0];
    Console.WriteLine($"| {corvid.Name} | {corvidSeconds:F3} | {bytes / 1e6 / corvidSeconds:F1} | median of {runs} runs; the first (cold) run took {cold:F3} s |");
    foreach (var peer in peers.Skip(1).Where(_ => pathologicalPeers))
    {
        var watch = Stopwatch.StartNew();
        var ids = docs.Select(d => peer.Encode(d)).ToArray();
        double seconds = watch.Elapsed.TotalSeconds;
        int differ = ids.Where((x, i) => !x.SequenceEqual(reference[i])).Count();
        Console.WriteLine($"| {peer.Name} | {seconds:F2} | {bytes / 1e6 / seconds:F3} | one run; {differ} of {docs.Length} runs' ids differ from Corvid's |");
    }
    if (node)
    {
        var js = RunNode("bench-tiktoken.mjs", Path.Combine(corpusDir, "pathological.txt"), encoding, "1");
        if (js is not null)
        {
            var failures = js.Value.GetProperty("failures").EnumerateArray()
                .Select(f => $"{f.GetProperty("bytes").GetInt32() / 1000} KB of {JsonSerializer.Serialize(f.GetProperty("start").GetString()![..1])}").ToList();
            Console.WriteLine($"| tiktoken 1.0.22 (WASM) | {js.Value.GetProperty("seconds").GetDouble():F2} | {js.Value.GetProperty("single").GetDouble():F3} |"
                + (failures.Count == 0 ? "" : $" crashed (RuntimeError: unreachable) on {string.Join(", ", failures)}; time and MB/s are for the other runs"));
        }
    }
    Console.WriteLine();
    Console.WriteLine($"Corvid per run (1 thread, median of {runs}):");
    Console.WriteLine();
    Console.WriteLine("| run | bytes | tokens | ms | MB/s |");
    Console.WriteLine("|---|---:|---:|---:|---:|");
    for (int i = 0; i < docs.Length; i++)
    {
        var d = docs[i];
        double seconds = Interleaved(runs, [() => corvid.Encode(d)])[0];
        int n = Encoding.UTF8.GetByteCount(d);
        Console.WriteLine($"| {Describe(d)} | {n:N0} | {reference[i].Count:N0} | {seconds * 1e3:F2} | {n / 1e6 / seconds:F1} |");
    }
    Console.WriteLine();
}

if (train)
{
    string path = Path.Combine(corpusDir, "train-100mb.txt");
    var text = File.ReadAllText(path);
    long bytes = Encoding.UTF8.GetByteCount(text);
    var watch = Stopwatch.StartNew();
    double counted = 0;
    var progress = new Progress(p => { if (p.Stage == "merging" && counted == 0) counted = watch.Elapsed.TotalSeconds; });
    var vocabulary = BpeTrainer.Train(text.Split("\n\u241E\n"), new BpeTrainerOptions { VocabularySize = trainVocab }, progress);
    double seconds = watch.Elapsed.TotalSeconds;
    Console.WriteLine($"## Trainer: train-100mb.txt, {bytes / 1e6:F1} MB, vocabulary {trainVocab:N0} (cl100k pattern), {cores} cores");
    Console.WriteLine();
    Console.WriteLine($"{vocabulary.Merges.Count:N0} merges in {seconds:F1} s ({bytes / 1e6 / seconds:F1} MB/s): counting pieces {counted:F1} s, merging {seconds - counted:F1} s.");
    Console.WriteLine();
}
return 0;

static double[] Interleaved(int runs, Action[] actions)
{
    foreach (var action in actions) action(); // warm-up (and JIT)
    var times = actions.Select(_ => new List<double>()).ToArray();
    for (int r = 0; r < runs; r++)
    {
        for (int k = 0; k < actions.Length; k++)
        {
            var watch = Stopwatch.StartNew();
            actions[k]();
            times[k].Add(watch.Elapsed.TotalSeconds);
        }
    }
    return times.Select(t => t.Order().ElementAt(t.Count / 2)).ToArray();
}

static string Describe(string run)
{
    var start = string.Concat(run.EnumerateRunes().Take(3));
    return "`" + start.Replace("\n", "\\n").Replace("|", "\\|") + "…`";
}

static string[] Documents(string path) => File.ReadAllText(path).Split("\n\u241E\n");

JsonElement? RunNode(string script, params string[] arguments)
{
    var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    start.ArgumentList.Add(Path.Combine(root, "tools", "tiktoken-fixtures", script));
    foreach (var a in arguments) start.ArgumentList.Add(a);
    try
    {
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) { Console.Error.WriteLine($"node {script} failed: {error}"); return null; }
        return JsonDocument.Parse(output).RootElement.Clone();
    }
    catch (System.ComponentModel.Win32Exception)
    {
        Console.Error.WriteLine("node is not installed: skipping tiktoken (WASM)");
        return null;
    }
}

string FindRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Corvid.slnx"))) dir = dir.Parent;
    return dir?.FullName ?? Directory.GetCurrentDirectory();
}

int IntArg(string name, int fallback) => int.TryParse(StringArg(name, ""), out int v) ? v : fallback;

string StringArg(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}
