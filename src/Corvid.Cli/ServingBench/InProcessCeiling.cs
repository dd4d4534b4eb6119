using System.Diagnostics;
using Corvid.Serving.Handlers;
using Corvid.Serving.Models;
using Corvid.Serving.Runtimes;
using Corvid.Serving.Tensors;

namespace Corvid.Cli.ServingBench;

/// <summary>
/// The ceiling: the same model and the same work per image (decode, resize, crop, normalise, run) in this
/// process, batched, on the same threads as a server configuration, with no HTTP and no queue.
/// </summary>
internal static class InProcessCeiling
{
    public static ExperimentRow Run(string modelDirectory, byte[] image, int images, int workers, int threadsPerWorker, int batchSize, Action<int> progress)
    {
        var package = ModelPackage.FromDirectory(modelDirectory);
        using var model = ModelRuntimes.Default().Get(package.Manifest.Runtime).Load(package);
        var input = model.Inputs[0].Name;
        var executors = Enumerable.Range(0, workers).Select(_ => model.CreateExecutor(threadsPerWorker)).ToList();
        try
        {
            // Warm-up, as the server gets.
            foreach (var executor in executors) executor.Run([NamedTensor.Float32(input, [1, 3, 224, 224], ImagePreprocessor.Preprocess(image))]);
            var next = 0;
            var done = 0;
            var clock = Stopwatch.StartNew();
            var threads = executors.Select(executor => new Thread(() =>
            {
                while (true)
                {
                    var first = Interlocked.Add(ref next, batchSize) - batchSize;
                    if (first >= images) return;
                    var count = Math.Min(batchSize, images - first);
                    var data = new float[count * 3 * 224 * 224];
                    for (var i = 0; i < count; i++) ImagePreprocessor.Preprocess(image, data.AsSpan(i * 3 * 224 * 224, 3 * 224 * 224));
                    executor.Run([NamedTensor.Float32(input, [count, 3, 224, 224], data)]);
                    progress(Interlocked.Add(ref done, count));
                }
            })).ToList();
            foreach (var thread in threads) thread.Start();
            foreach (var thread in threads) thread.Join();
            var seconds = clock.Elapsed.TotalSeconds;
            return new ExperimentRow($"in-process ceiling, {workers} thread(s) × {threadsPerWorker} intra-op, batch {batchSize}", "ceiling", workers, images, seconds,
                double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0);
        }
        finally
        {
            foreach (var executor in executors) executor.Dispose();
        }
    }
}
