using System.Diagnostics;
using Corvid.Serving.Tensors;

namespace Corvid.Serving.Scheduling;

/// <summary>One queued request: its inputs (batch first), when it arrived and how its caller is answered.</summary>
internal sealed class InferenceRequest
{
    public InferenceRequest(IReadOnlyList<NamedTensor> inputs, long? arrivedAt = null)
    {
        Inputs = inputs;
        Rows = inputs.Count == 0 ? 1 : inputs[0].BatchSize;
        Signature = string.Join(';', inputs.Select(i => i.RowSignature));
        ArrivedAt = arrivedAt ?? Stopwatch.GetTimestamp();
    }

    public IReadOnlyList<NamedTensor> Inputs { get; }
    public int Rows { get; }
    /// <summary>Requests batch together only when every input has the same name, type and row shape.</summary>
    public string Signature { get; }
    public long ArrivedAt { get; }

    public TaskCompletionSource<IReadOnlyList<NamedTensor>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Its place in the queue while queued, so a cancelled request leaves in O(1).</summary>
    public LinkedListNode<InferenceRequest>? Node { get; set; }

    public bool IsAnswered => Completion.Task.IsCompleted;
}
