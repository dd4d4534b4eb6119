using System.Diagnostics;
using Corvid.Serving.Runtimes;
using Corvid.Serving.Tensors;

namespace Corvid.Serving.Scheduling;

/// <summary>
/// One worker: a dedicated thread that takes batches from the model version's queue and runs them on its
/// executor. Inference blocks a core for tens of milliseconds, so it runs on its own thread rather than on
/// the thread pool that serves HTTP.
/// </summary>
internal sealed class Worker
{
    private static int _nextId;
    private readonly ModelVersionHost _host;
    private readonly IModelExecutor _executor;
    private readonly Thread _thread;
    private volatile bool _stopRequested;

    public Worker(ModelVersionHost host, IModelExecutor executor, int intraOpThreads)
    {
        _host = host;
        _executor = executor;
        IntraOpThreads = intraOpThreads;
        Id = Interlocked.Increment(ref _nextId);
        StartedAt = DateTimeOffset.UtcNow;
        _thread = new Thread(Loop) { IsBackground = true, Name = $"corvid-worker-{host.Name}-{Id}" };
    }

    public int Id { get; }
    public int IntraOpThreads { get; }
    public DateTimeOffset StartedAt { get; }
    public bool Busy { get; private set; }
    public long BatchesRun { get; private set; }

    public void Start() => _thread.Start();

    /// <summary>Asks the worker to finish the batch in hand and exit.</summary>
    public void RequestStop() => _stopRequested = true;

    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    private void Loop()
    {
        try
        {
            while (_host.Queue.TakeBatch(_host.CurrentBatching, () => _stopRequested) is { } batch)
            {
                Busy = true;
                try
                {
                    RunBatch(batch);
                }
                finally
                {
                    Busy = false;
                }
            }
        }
        finally
        {
            _executor.Dispose();
        }
    }

    private void RunBatch(List<InferenceRequest> batch)
    {
        var now = Stopwatch.GetTimestamp();
        var ready = new List<InferenceRequest>(batch.Count);
        foreach (var request in batch)
        {
            _host.Metrics.RecordQueueTime(_host.Name, _host.Version, Stopwatch.GetElapsedTime(request.ArrivedAt, now).TotalMilliseconds);
            try
            {
                request.Prepare();
                ready.Add(request);
            }
            catch (Exception e)
            {
                // A body the handler cannot use fails its own request, not the batch.
                request.Completion.TrySetException(e);
            }
        }
        // Requests batch only with inputs of the same row shape; a handler's output normally has one shape.
        foreach (var group in ready.GroupBy(r => string.Join(';', r.Inputs.Select(i => i.RowSignature))))
        {
            Run(group.ToList());
        }
    }

    private void Run(List<InferenceRequest> batch)
    {
        var rows = batch.Sum(r => r.Rows);
        IReadOnlyList<NamedTensor> outputs;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var inputs = new NamedTensor[batch[0].Inputs.Count];
            for (var i = 0; i < inputs.Length; i++)
            {
                inputs[i] = NamedTensor.Concat(batch.Select(r => r.Inputs[i]).ToList());
            }
            outputs = _executor.Run(inputs);
        }
        catch (Exception e)
        {
            var failure = new ModelFailedException($"model '{_host.Name}' version {_host.Version} failed while running a batch of {rows}: {e.Message}", e);
            foreach (var request in batch) request.Completion.TrySetException(failure);
            return;
        }
        BatchesRun++;
        _host.Metrics.RecordBatch(_host.Name, _host.Version, rows, Stopwatch.GetElapsedTime(started).TotalMilliseconds);

        var offset = 0;
        foreach (var request in batch)
        {
            var mine = new NamedTensor[outputs.Count];
            for (var i = 0; i < outputs.Count; i++)
            {
                // Outputs without the batch as first dimension (rare) go to every request whole.
                mine[i] = outputs[i].Shape.Length > 0 && outputs[i].Shape[0] == rows
                    ? outputs[i].SliceRows(offset, request.Rows)
                    : outputs[i];
            }
            offset += request.Rows;
            request.Completion.TrySetResult(mine);
        }
    }
}
