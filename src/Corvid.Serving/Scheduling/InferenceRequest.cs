using System.Diagnostics;
using Corvid.Serving.Tensors;

namespace Corvid.Serving.Scheduling;

/// <summary>
/// One queued request: its inputs (batch first) or the step that makes them, when it arrived and how its
/// caller is answered.
/// </summary>
internal sealed class InferenceRequest
{
    private Func<IReadOnlyList<NamedTensor>>? _prepare;

    public InferenceRequest(IReadOnlyList<NamedTensor> inputs, long? arrivedAt = null)
    {
        Inputs = inputs;
        Rows = inputs.Count == 0 ? 1 : inputs[0].BatchSize;
        Signature = string.Join(';', inputs.Select(i => i.RowSignature));
        ArrivedAt = arrivedAt ?? Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// A one-row request whose inputs the worker makes (a handler's preprocess). Decoding an image on the
    /// worker thread, as TorchServe does, keeps exactly one busy thread per worker and queues the small
    /// encoded body instead of the 600 KB tensor.
    /// </summary>
    public InferenceRequest(Func<IReadOnlyList<NamedTensor>> prepare, string signature)
    {
        _prepare = prepare;
        Inputs = [];
        Rows = 1;
        Signature = signature;
        ArrivedAt = Stopwatch.GetTimestamp();
    }

    public IReadOnlyList<NamedTensor> Inputs { get; private set; }

    /// <summary>Runs the deferred preprocess once; its exception (bad input) belongs to this request alone.</summary>
    public void Prepare()
    {
        if (_prepare is null) return;
        var prepare = _prepare;
        _prepare = null;
        Inputs = prepare();
    }

    public int Rows { get; }
    /// <summary>Requests batch together only when every input has the same name, type and row shape.</summary>
    public string Signature { get; }
    public long ArrivedAt { get; }

    public TaskCompletionSource<IReadOnlyList<NamedTensor>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Its place in the queue while queued, so a cancelled request leaves in O(1).</summary>
    public LinkedListNode<InferenceRequest>? Node { get; set; }

    public bool IsAnswered => Completion.Task.IsCompleted;
}
