namespace Corvid.Nn;

/// <summary>Batch normalisation of x [N, C] or [N, C, L], as <c>torch.nn.BatchNorm1d</c>.</summary>
public sealed class BatchNorm1d(int numFeatures, float eps = 1e-5f, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true)
    : BatchNorm(numFeatures, eps, momentum, affine, trackRunningStats)
{
    protected override int[] AcceptedRanks => [2, 3];
    protected override string ExpectedLayout => "[N, C] or [N, C, L]";
}
