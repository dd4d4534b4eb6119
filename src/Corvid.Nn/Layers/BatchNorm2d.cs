namespace Corvid.Nn;

/// <summary>Batch normalisation of x [N, C, H, W], as <c>torch.nn.BatchNorm2d</c>.</summary>
public sealed class BatchNorm2d(int numFeatures, float eps = 1e-5f, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true)
    : BatchNorm(numFeatures, eps, momentum, affine, trackRunningStats)
{
    protected override int[] AcceptedRanks => [4];
    protected override string ExpectedLayout => "[N, C, H, W]";
}
