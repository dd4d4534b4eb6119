// The corvid runtime's in-process speed on models/fashion-mnist, the numbers bench/fashion_mnist_serve.py
// puts beside PyTorch's. A .NET file-based program: `dotnet run -c Release bench/fashion_mnist_engine.cs -- 2000`.
// Prints one JSON line: images/s for (a) handler preprocess + forward per PNG, one at a time, and (b) forward only
// on batches of 16 preprocessed images, both through the runtime's executor on 1 intra-op thread.
#:project ../src/Corvid.Serving/Corvid.Serving.csproj
using System.Diagnostics;
using Corvid.Serving.Handlers;
using Corvid.Serving.Models;
using Corvid.Serving.Runtimes;
using Corvid.Serving.Tensors;

var root = Path.GetFullPath(Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "bench", ".."));
var count = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 2000;
var package = ModelPackage.FromDirectory(Path.Combine(root, "models", "fashion-mnist"));
using var model = ModelRuntimes.Default().Get(package.Manifest.Runtime).Load(package);
using var executor = model.CreateExecutor(1);
var handler = ModelHandlers.Get(package.Manifest.Handler);
var context = new HandlerContext(package.Manifest.Name, model.Inputs, model.Outputs, package.ReadLabels(), package.Manifest.Image);
var fixtures = Path.Combine(root, "tests", "Corvid.Serving.Tests", "Fixtures", "fashion-mnist");
var bodies = Directory.GetFiles(fixtures, "*.png").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();

double Rate(int n, Action<int> step)
{
    for (var i = 0; i < Math.Min(200, n); i++) step(i);
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < n; i++) step(i);
    return n / clock.Elapsed.TotalSeconds;
}

var single = Rate(count, i => handler.Postprocess(executor.Run(handler.Preprocess(bodies[i % bodies.Length], "image/png", context)), context));
var rows = Enumerable.Range(0, 16).Select(i => handler.Preprocess(bodies[i % bodies.Length], "image/png", context)[0]).ToList();
var batch = NamedTensor.Concat(rows);
var batched = Rate(count / 16, _ => executor.Run([batch])) * 16;
Console.WriteLine($"{{\"single\": {single:F1}, \"batch16\": {batched:F1}}}");
