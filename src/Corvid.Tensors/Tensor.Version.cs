namespace Corvid.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Counts the in-place writes to this tensor's storage (PyTorch's <c>_version</c>): loading a state dict,
    /// an optimizer step or <see cref="CopyFrom"/> each bump it, so a value derived from the tensor (a cache)
    /// can tell when it went stale.
    /// </summary>
    public int Version => Storage.Version;
}
