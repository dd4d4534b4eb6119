namespace Corvid.Tensors.Kernels;

/// <summary>
/// One matrix multiply on pinned memory: <c>C[m, n] (+)= A[m, k] · B[k, n]</c> with A(i, p) at
/// <c>a[i·aRow + p·aCol]</c>, B(p, j) at <c>b[p·bRow + j·bCol]</c> and C(i, j) at <c>c[i·ldc + j]</c>.
/// </summary>
internal unsafe struct GemmOperands
{
    public int M, N, K;
    public float* A;
    public int ARow, ACol;
    public float* B;
    public int BRow, BCol;
    public float* C;
    public int Ldc;
    public bool Accumulate;

    /// <summary>Optional <c>[M]</c> values added to each row of C when overwriting (not when accumulating); null for none.</summary>
    public float* RowBias;

    public readonly long Flops => 2L * M * N * K;

    /// <summary>The same product written as <c>Cᵀ = Bᵀ · Aᵀ</c>, for kernels that want the long side as columns.</summary>
    public readonly GemmOperands Transposed(out int cRowStride, out int cColStride)
    {
        cRowStride = 1;
        cColStride = Ldc;
        return new GemmOperands
        {
            M = N, N = M, K = K,
            A = B, ARow = BCol, ACol = BRow,
            B = A, BRow = ACol, BCol = ARow,
            C = C, Ldc = Ldc, Accumulate = Accumulate,
            RowBias = null, // a row bias would become a column bias: callers with one never transpose
        };
    }
}
