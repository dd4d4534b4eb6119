namespace Corvid.Tensors.Kernels;

/// <summary>
/// Identity of a convolution weight that a kernel may keep a transformed copy of: the object holding the values
/// (a tensor's storage, an array), the weight's first element in it, and a version that the owner changes whenever
/// it writes the values (a tensor's <see cref="Tensor.Version"/>). Passing a key promises: same owner, offset and
/// version means the same values.
/// </summary>
public readonly record struct ConvWeightKey(object Owner, int Offset, int Version);
