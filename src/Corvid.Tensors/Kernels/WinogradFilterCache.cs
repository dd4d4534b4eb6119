using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// Winograd-transformed filters kept between calls, so a weight that does not change (inference) is transformed
/// once instead of on every call: for a 512x512x3x3 filter that is 17 MB written and read back per call.
/// </summary>
/// <remarks>
/// Entries hang off the weight's owner through a <see cref="ConditionalWeakTable{TKey,TValue}"/>: they hold no
/// reference to any tensor (so none to an autograd graph) and go when the owner goes. An entry is used only while
/// the key's version, offset and the filter's shape match; a newer version replaces it, so an in-place update of
/// the weight is seen by the next call.
/// </remarks>
internal static unsafe class WinogradFilterCache
{
    sealed class Entry
    {
        public required int Offset, Version, OutChannels, InChannels;
        public required bool Flipped;
        public required float[] Data;
    }

    static readonly ConditionalWeakTable<object, List<Entry>> Table = new();

    /// <summary>
    /// The transformed filter of <paramref name="w"/> for <paramref name="g"/> (see <see cref="Winograd3x3.Run"/>),
    /// from the cache or transformed now and kept. The returned array is pinned; the pointer is its 64-byte aligned start.
    /// </summary>
    public static float[] Get(ConvWeightKey key, in Conv2dGeometry g, bool flipped, float* w, out float* u)
    {
        var entries = Table.GetValue(key.Owner, _ => []);
        lock (entries)
        {
            int found = -1;
            for (int i = 0; i < entries.Count && found < 0; i++)
                if (entries[i].Offset == key.Offset && entries[i].Flipped == flipped
                    && entries[i].OutChannels == g.OutChannels && entries[i].InChannels == g.InChannels)
                    found = i;
            if (found >= 0 && entries[found].Version == key.Version)
            {
                u = Aligned(entries[found].Data);
                return entries[found].Data;
            }
            var data = GC.AllocateUninitializedArray<float>(Winograd3x3.FilterFloats(g) + 16, pinned: true);
            u = Aligned(data);
            Winograd3x3.TransformFilterParallel(g, w, flipped, u);
            var entry = new Entry
            {
                Offset = key.Offset, Version = key.Version, OutChannels = g.OutChannels, InChannels = g.InChannels,
                Flipped = flipped, Data = data,
            };
            if (found >= 0) entries[found] = entry;
            else entries.Add(entry);
            return data;
        }
    }

    static float* Aligned(float[] data)
    {
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(data));
        return (float*)((address + 63) & ~(nuint)63);
    }
}
