namespace Corvid.Tensors.Kernels;

/// <summary>
/// How the blocked GEMM divides C between threads: a grid of rectangles cut at tile boundaries, never the k
/// dimension, so every element is summed in the same order whatever the thread count.
/// </summary>
internal static class GemmGrid
{
    /// <summary>Splits C into rowParts x colParts rectangles (product ≤ threads) that are as square as the tile sizes allow.</summary>
    public static (int RowParts, int ColParts) Plan(int m, int n, int threads, int mr, int nr)
    {
        int rowTiles = (m + mr - 1) / mr, colTiles = (n + nr - 1) / nr;
        (int, int) best = (1, 1);
        double bestScore = double.MaxValue;
        for (int rows = 1; rows <= threads; rows++)
        {
            int cols = threads / rows;
            if (rows * cols != threads || rows > rowTiles || cols > colTiles) continue;
            // Perimeter of one rectangle: proportional to the packing and C traffic it causes.
            double score = (double)m / rows + (double)n / cols;
            if (score < bestScore) (best, bestScore) = ((rows, cols), score);
        }
        return best;
    }

    /// <summary>Part <paramref name="index"/> of <paramref name="parts"/> of <c>[0, length)</c>, cut at multiples of the tile size.</summary>
    public static (int Start, int End) Range(int length, int tile, int parts, int index)
    {
        int tiles = (length + tile - 1) / tile;
        int start = (int)((long)tiles * index / parts) * tile;
        int end = (int)((long)tiles * (index + 1) / parts) * tile;
        return (Math.Min(start, length), Math.Min(end, length));
    }
}
