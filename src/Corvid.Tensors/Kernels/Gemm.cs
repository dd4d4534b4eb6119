namespace Corvid.Tensors.Kernels;

/// <summary>
/// Single-precision matrix multiply on strided operands: the one entry point every matmul, bmm,
/// einsum and convolution in the engine goes through.
/// </summary>
/// <remarks>
/// Operands are described by a row stride and a column stride, so a transposed or otherwise
/// strided view is multiplied without a copy: element (i, p) of A is <c>a[i * aRow + p * aCol]</c>,
/// element (p, j) of B is <c>b[p * bRow + j * bCol]</c>. C is row-major with leading dimension
/// <c>ldc</c>. With <c>accumulate</c> the product is added to C, otherwise C is overwritten.
/// </remarks>
public static class Gemm
{
    public static void Multiply(
        int m, int n, int k,
        ReadOnlySpan<float> a, int aRow, int aCol,
        ReadOnlySpan<float> b, int bRow, int bCol,
        Span<float> c, int ldc, bool accumulate)
    {
        if (m == 0 || n == 0) return;
        for (int i = 0; i < m; i++)
        {
            var cRow = c.Slice(i * ldc, n);
            if (!accumulate) cRow.Clear();
            for (int p = 0; p < k; p++)
            {
                float aip = a[i * aRow + p * aCol];
                if (bCol == 1)
                {
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(b.Slice(p * bRow, n), aip, cRow, cRow);
                }
                else
                {
                    for (int j = 0; j < n; j++) cRow[j] += aip * b[p * bRow + j * bCol];
                }
            }
        }
    }
}
