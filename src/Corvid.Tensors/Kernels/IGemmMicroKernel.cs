namespace Corvid.Tensors.Kernels;

/// <summary>
/// A register-blocked micro-kernel and the cache blocking that feeds it. The blocked driver is generic
/// over this interface, so each variant gets its own specialised copy with the sizes as constants.
/// Kernels are marked AggressiveOptimization: their unoptimised (tier-0) code is many times slower,
/// and one large product calls them only a few times, too few for tiering to catch up.
/// </summary>
internal unsafe interface IGemmMicroKernel
{
    /// <summary>Rows of the C tile (and of a packed A sliver).</summary>
    static abstract int Mr { get; }

    /// <summary>Columns of the C tile (and of a packed B sliver).</summary>
    static abstract int Nr { get; }

    /// <summary>Depth of k packed at once: a B sliver of Kc x Nr should stay in L1.</summary>
    static abstract int Kc { get; }

    /// <summary>Rows of A packed at once (a multiple of Mr): Mc x Kc should stay in L2.</summary>
    static abstract int Mc { get; }

    /// <summary>Columns of B packed at once (a multiple of Nr): Kc x Nc stays in L2/L3.</summary>
    static abstract int Nc { get; }

    /// <summary>
    /// <c>C[0..Mr, 0..Nr] (+)= Σ_p a[p·Mr + i] · b[p·ldb + j]</c> over <paramref name="kc"/> steps: A from a
    /// packed sliver, B from a packed sliver (<c>ldb = Nr</c>) or straight from a row-major B (<c>ldb</c> its
    /// row stride). The sum starts at zero and is added to C at the end, so a tile's rounding never
    /// depends on what C held or on how the tile was reached. When overwriting, a non-null
    /// <paramref name="bias"/> adds <c>bias[i]</c> to row i on the way out (a convolution's bias, fused).
    /// </summary>
    static abstract void Run(int kc, float* a, float* b, int ldb, float* c, int ldc, bool overwrite, float* bias);
}
