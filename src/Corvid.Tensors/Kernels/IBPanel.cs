namespace Corvid.Tensors.Kernels;

/// <summary>
/// Where the blocked GEMM gets its packed panels of B: by copying a strided matrix
/// (<see cref="StridedPanel"/>), or by computing them, as a convolution does straight from its input
/// (<see cref="Im2ColPanel"/>) without ever building the im2col matrix.
/// </summary>
internal unsafe interface IBPanel
{
    /// <summary>
    /// Writes B rows <c>[pc, pc + kc)</c>, columns <c>[jc, jc + nc)</c> into <paramref name="dst"/> as slivers of
    /// <paramref name="nr"/> columns (sliver s, step p, lane j at <c>dst[s·nr·kc + p·nr + j]</c>), zero past nc.
    /// </summary>
    void Pack(int nr, int pc, int kc, int jc, int nc, float* dst);
}

/// <summary>B as a strided matrix in memory: element (p, j) at <c>b[p·BRow + j·BCol]</c>.</summary>
internal readonly unsafe struct StridedPanel(in GemmOperands op) : IBPanel
{
    readonly float* b = op.B;
    readonly int row = op.BRow, col = op.BCol;

    public void Pack(int nr, int pc, int kc, int jc, int nc, float* dst) =>
        GemmPacking.PackB(nr, kc, nc, b + (long)pc * row + (long)jc * col, row, col, dst);
}
