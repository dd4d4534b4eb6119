using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Corvid.Serving.Handlers;
using Corvid.Serving.Models;
using Corvid.Serving.Runtimes;
using Corvid.Serving.Tensors;

namespace Corvid.Serving.Scheduling;

public enum ModelState
{
    Ready,
    Failed,
    Stopped,
}

/// <summary>
/// One served model version: its weights (loaded once), its handler, its bounded queue and its workers.
/// A version that failed to load stays listed in the <see cref="ModelState.Failed"/> state so its callers
/// get the load error; every other version keeps serving.
/// </summary>
public sealed class ModelVersionHost : IDisposable
{
    private readonly object _scaleGate = new();
    private readonly ILoadedModel? _model;
    private readonly IModelHandler? _handler;
    private readonly HandlerContext? _context;
    private List<Worker> _workers = [];
    private readonly List<Worker> _retired = [];
    private BatchingSettings _batching;
    private int _pending;
    private volatile bool _closed;

    private ModelVersionHost(ModelPackage package, ServingMetrics metrics, ILoadedModel? model, IModelHandler? handler, string? error)
    {
        Package = package;
        Metrics = metrics;
        _model = model;
        _handler = handler;
        Error = error;
        State = error is null ? ModelState.Ready : ModelState.Failed;
        Queue = new RequestQueue(package.Manifest.QueueSize);
        _batching = new BatchingSettings(package.Manifest.Batching.MaxBatchSize, TimeSpan.FromMilliseconds(package.Manifest.Batching.MaxBatchDelayMs));
        ResponseTimeout = TimeSpan.FromSeconds(package.Manifest.ResponseTimeoutSeconds);
        if (model is not null)
        {
            _context = new HandlerContext(package.Manifest.Name, model.Inputs, model.Outputs, package.ReadLabels(), package.Manifest.Image);
        }
    }

    /// <summary>Loads the model and starts its workers; a load failure gives a host in the Failed state.</summary>
    public static ModelVersionHost Start(ModelPackage package, ModelRuntimes runtimes, ServingMetrics metrics)
    {
        ILoadedModel? model = null;
        try
        {
            var handler = ModelHandlers.Get(package.Manifest.Handler);
            model = runtimes.Get(package.Manifest.Runtime).Load(package);
            var host = new ModelVersionHost(package, metrics, model, handler, error: null);
            host.ScaleWorkers(package.Manifest.Workers);
            return host;
        }
        catch (Exception e) when (e is ModelLoadException or IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            model?.Dispose();
            return new ModelVersionHost(package, metrics, null, null, e.Message);
        }
    }

    public ModelPackage Package { get; }
    public ModelManifest Manifest => Package.Manifest;
    public string Name => Package.Manifest.Name;
    public string Version => Package.Manifest.Version;
    public ModelState State { get; private set; }
    public string? Error { get; }
    public TimeSpan ResponseTimeout { get; }
    public DateTimeOffset LoadedAt { get; } = DateTimeOffset.UtcNow;

    internal RequestQueue Queue { get; }
    internal ServingMetrics Metrics { get; }
    internal BatchingSettings CurrentBatching() => _batching;

    public IReadOnlyList<TensorSpec> Inputs => _model?.Inputs ?? [];
    public IReadOnlyList<TensorSpec> Outputs => _model?.Outputs ?? [];
    public int QueueDepth => Queue.Count;
    public int QueueCapacity => Queue.Capacity;
    /// <summary>Requests accepted and not yet answered (queued or running).</summary>
    public int Pending => Volatile.Read(ref _pending);
    public int MaxBatchSize => _batching.MaxBatchSize;
    public double MaxBatchDelayMs => _batching.MaxBatchDelay.TotalMilliseconds;

    public IReadOnlyList<WorkerStatus> Workers
    {
        get
        {
            lock (_scaleGate) return _workers.Select(w => new WorkerStatus(w.Id, w.StartedAt, w.Busy ? "BUSY" : "READY", w.IntraOpThreads, w.BatchesRun)).ToList();
        }
    }

    /// <summary>
    /// TorchServe's path: body → queue → worker (handler preprocess, model) → handler postprocess → JSON.
    /// The worker decodes the body, so a full queue refuses a request before any decoding is spent on it.
    /// </summary>
    public async Task<JsonNode> PredictAsync(ReadOnlyMemory<byte> body, string? contentType, CancellationToken aborted)
    {
        ThrowIfUnavailable();
        var handler = _handler!;
        var context = _context!;
        var request = new InferenceRequest(() => handler.Preprocess(body.Span, contentType, context), "handler:" + handler.Name);
        var outputs = await EnqueueAndWaitAsync(request, aborted).ConfigureAwait(false);
        return handler.Postprocess(outputs, context);
    }

    /// <summary>Tensors in, tensors out (the KServe v2 path), through the same queue and workers.</summary>
    public Task<IReadOnlyList<NamedTensor>> InferAsync(IReadOnlyList<NamedTensor> inputs, CancellationToken aborted)
    {
        ThrowIfUnavailable();
        return EnqueueAndWaitAsync(new InferenceRequest(inputs), aborted);
    }

    private async Task<IReadOnlyList<NamedTensor>> EnqueueAndWaitAsync(InferenceRequest request, CancellationToken aborted)
    {
        if (!Queue.TryEnqueue(request)) throw new QueueFullException(Name, Version, Queue.Capacity);
        // A request that passed the closed check just as shutdown began could land in the queue after Dispose
        // emptied it, and then wait out its whole response timeout. Dispose sets _closed before it empties the
        // queue, so looking again after enqueueing catches that case; such a request is refused like any late one.
        if (_closed && Queue.TryRemove(request))
        {
            throw new ModelUnavailableException($"model '{Name}' version {Version} is shutting down and takes no new requests");
        }
        Interlocked.Increment(ref _pending);
        using var timeout = new CancellationTokenSource(ResponseTimeout);
        try
        {
            await using (timeout.Token.Register(() => Abandon(request, "timeout")).ConfigureAwait(false))
            await using (aborted.Register(() => Abandon(request, "client_disconnected")).ConfigureAwait(false))
            {
                return await request.Completion.Task.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            throw new ResponseTimeoutException(Name, Version, ResponseTimeout);
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    private void Abandon(InferenceRequest request, string reason)
    {
        // Still queued: take it out so no worker spends time on it. Already running: the answer is discarded.
        if (Queue.TryRemove(request)) Metrics.RecordDropped(Name, Version, reason);
        request.Completion.TrySetCanceled();
    }

    private void ThrowIfUnavailable()
    {
        if (State == ModelState.Failed) throw new ModelFailedException($"model '{Name}' version {Version} failed to load: {Error}");
        if (_closed) throw new ModelUnavailableException($"model '{Name}' version {Version} is shutting down and takes no new requests");
    }

    /// <summary>
    /// Sets the number of workers. Each gets <c>intraOpThreads</c> from the manifest, else logical cores / count,
    /// so N workers never ask for more threads than the machine has. Workers whose thread budget no longer
    /// fits finish the batch in hand and retire; the queue is never dropped.
    /// </summary>
    public void ScaleWorkers(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "worker count must be 0 or more");
        if (_model is null) throw new ModelFailedException($"model '{Name}' version {Version} failed to load and has no workers to scale: {Error}");
        lock (_scaleGate)
        {
            var threads = Manifest.IntraOpThreads ?? Math.Max(1, Environment.ProcessorCount / Math.Max(1, count));
            var keep = _workers.Where(w => w.IntraOpThreads == threads).Take(count).ToList();
            foreach (var worker in _workers.Except(keep))
            {
                worker.RequestStop();
                _retired.Add(worker);
            }
            while (keep.Count < count)
            {
                var worker = new Worker(this, _model.CreateExecutor(threads), threads);
                worker.Start();
                keep.Add(worker);
            }
            _workers = keep;
            _retired.RemoveAll(w => w.Join(TimeSpan.Zero));
        }
        Queue.WakeAll();
    }

    /// <summary>Changes the batching of a running model version (the management API's batch_size / max_batch_delay).</summary>
    public void SetBatching(int maxBatchSize, double maxBatchDelayMs)
    {
        if (maxBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(maxBatchSize), maxBatchSize, "batch size must be at least 1");
        if (maxBatchDelayMs < 0) throw new ArgumentOutOfRangeException(nameof(maxBatchDelayMs), maxBatchDelayMs, "batch delay must be 0 or more");
        _batching = new BatchingSettings(maxBatchSize, TimeSpan.FromMilliseconds(maxBatchDelayMs));
        Queue.WakeAll();
    }


    /// <summary>Takes no new requests, lets accepted ones finish (up to <paramref name="drainTimeout"/>), then stops the workers.</summary>
    public async Task StopAsync(TimeSpan drainTimeout)
    {
        _closed = true;
        var deadline = DateTime.UtcNow + drainTimeout;
        while (Pending > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }
        Dispose();
    }

    public void Dispose()
    {
        _closed = true;
        List<Worker> all;
        lock (_scaleGate)
        {
            all = [.. _workers, .. _retired];
            _workers = [];
            _retired.Clear();
        }
        foreach (var worker in all) worker.RequestStop();
        Queue.WakeAll();
        foreach (var worker in all) worker.Join(TimeSpan.FromSeconds(30));
        // Whatever the drain timeout left in the queue is answered now rather than left to time out.
        foreach (var request in Queue.RemoveAll())
        {
            request.Completion.TrySetException(new ModelUnavailableException($"model '{Name}' version {Version} stopped before this request ran"));
        }
        if (State != ModelState.Failed) State = ModelState.Stopped;
        _model?.Dispose();
    }

    /// <summary>Queue depth for the metrics gauge.</summary>
    internal Measurement<int> DepthMeasurement() => new(Queue.Count, new("model", Name), new("version", Version));
}

public sealed record WorkerStatus(int Id, DateTimeOffset StartedAt, string Status, int IntraOpThreads, long BatchesRun);
