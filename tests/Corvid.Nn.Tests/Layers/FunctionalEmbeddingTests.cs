using Corvid.Tensors;

namespace Corvid.Nn.Tests.Layers;

/// <summary>F.Embedding's padding index counts from the end when negative, as torch.nn.functional.embedding.</summary>
public class FunctionalEmbeddingTests
{
    [Fact]
    public void A_negative_padding_index_is_the_row_counted_from_the_end()
    {
        var weight = Tensor.Ones(4, 2).RequiresGrad_();
        var ids = Tensor.FromArray([3L, 0L, 3L]);
        F.Embedding(ids, weight, paddingIdx: -1).Sum().Backward();
        Assert.Equal(new float[] { 1, 1, 0, 0, 0, 0, 0, 0 }, weight.Grad!.ToArray());
    }
}
