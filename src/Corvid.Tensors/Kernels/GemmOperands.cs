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

    /// <summary>
    /// Optional <c>[N]</c> values added to each column of C when overwriting (a Linear layer's bias); null for none.
    /// Paths fill C with them and then accumulate, so the sum is <c>bias + A·B</c> rounded once, as if C had held the bias.
    /// </summary>
    public float* ColumnBias;

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
            ColumnBias = null, // likewise; paths move a column bias into C before they transpose (WithColumnBiasInC)
        };
    }

    /// <summary>Writes <see cref="ColumnBias"/> into every row of C and returns the product that adds onto it.</summary>
    public readonly GemmOperands WithColumnBiasInC()
    {
        var op = this;
        if (ColumnBias == null || Accumulate) return op;
        var bias = new ReadOnlySpan<float>(ColumnBias, N);
        for (int i = 0; i < M; i++) bias.CopyTo(new Span<float>(C + (long)i * Ldc, N));
        op.ColumnBias = null;
        op.Accumulate = true;
        return op;
    }
}
