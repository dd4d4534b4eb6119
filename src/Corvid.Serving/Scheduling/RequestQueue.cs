using System.Diagnostics;

namespace Corvid.Serving.Scheduling;

/// <summary>
/// A bounded FIFO of requests for one model version, shared by all its workers, with the dynamic-batching
/// rule: a worker takes up to <c>maxBatchSize</c> rows, waiting at most <c>maxBatchDelay</c> counted from
/// the arrival of the oldest queued request (Triton's rule). TorchServe starts that clock when a worker
/// picks up the first request, so a request that already waited in the queue waits the full delay again.
/// </summary>
internal sealed class RequestQueue(int capacity)
{
    private readonly object _gate = new();
    private readonly LinkedList<InferenceRequest> _items = new();

    public int Capacity { get; } = capacity;

    public int Count
    {
        get { lock (_gate) return _items.Count; }
    }

    /// <summary>Adds the request unless the queue is full. Never blocks.</summary>
    public bool TryEnqueue(InferenceRequest request)
    {
        lock (_gate)
        {
            if (_items.Count >= Capacity) return false;
            request.Node = _items.AddLast(request);
            Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>Removes a request that is still waiting (its client left or its time ran out).</summary>
    public bool TryRemove(InferenceRequest request)
    {
        lock (_gate)
        {
            if (request.Node is not { } node || node.List != _items) return false;
            _items.Remove(node);
            request.Node = null;
            return true;
        }
    }

    /// <summary>Empties the queue, returning what was still waiting (at shutdown, so those callers get an answer).</summary>
    public List<InferenceRequest> RemoveAll()
    {
        lock (_gate)
        {
            var left = _items.ToList();
            foreach (var request in left) request.Node = null;
            _items.Clear();
            return left;
        }
    }

    /// <summary>Wakes waiting workers so they notice a stop request or changed settings.</summary>
    public void WakeAll()
    {
        lock (_gate) Monitor.PulseAll(_gate);
    }

    /// <summary>
    /// Blocks until a batch is ready and returns it, or returns null once <paramref name="shouldStop"/> is true.
    /// A batch is ready when it holds <paramref name="maxBatchSize"/> rows, or when the oldest request has
    /// waited <paramref name="maxBatchDelay"/>. Requests whose callers have gone are discarded here.
    /// </summary>
    public List<InferenceRequest>? TakeBatch(Func<BatchingSettings> settings, Func<bool> shouldStop)
    {
        lock (_gate)
        {
            while (true)
            {
                if (shouldStop()) return null;
                DropAnswered();
                if (_items.Count == 0)
                {
                    Monitor.Wait(_gate, 500);
                    continue;
                }
                var (maxBatchSize, maxBatchDelay) = settings();
                var oldest = _items.First!.Value;
                var waited = Stopwatch.GetElapsedTime(oldest.ArrivedAt);
                if (waited >= maxBatchDelay || RowsReady(oldest.Signature, maxBatchSize) >= maxBatchSize)
                {
                    return Dequeue(oldest.Signature, maxBatchSize);
                }
                var remaining = maxBatchDelay - waited;
                Monitor.Wait(_gate, remaining < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : remaining);
            }
        }
    }

    private void DropAnswered()
    {
        for (var node = _items.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.IsAnswered)
            {
                _items.Remove(node);
                node.Value.Node = null;
            }
            node = next;
        }
    }

    private int RowsReady(string signature, int limit)
    {
        var rows = 0;
        foreach (var item in _items)
        {
            if (item.Signature != signature) continue;
            rows += item.Rows;
            if (rows >= limit) break;
        }
        return rows;
    }

    private List<InferenceRequest> Dequeue(string signature, int maxRows)
    {
        var batch = new List<InferenceRequest>();
        var rows = 0;
        for (var node = _items.First; node is not null;)
        {
            var next = node.Next;
            var item = node.Value;
            // The oldest request is always taken, even when it alone exceeds the batch size.
            if (item.Signature == signature && (batch.Count == 0 || rows + item.Rows <= maxRows))
            {
                _items.Remove(node);
                item.Node = null;
                batch.Add(item);
                rows += item.Rows;
                if (rows >= maxRows) break;
            }
            node = next;
        }
        return batch;
    }
}

internal readonly record struct BatchingSettings(int MaxBatchSize, TimeSpan MaxBatchDelay);
