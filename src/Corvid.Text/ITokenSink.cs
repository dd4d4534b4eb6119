using System.Runtime.CompilerServices;

namespace Corvid.Text;

/// <summary>Where the encoder puts tokens: a growing id buffer, or just a count.</summary>
internal interface ITokenSink
{
    void Add(int token);
}

/// <summary>Collects ids in a growing array.</summary>
internal struct IdSink : ITokenSink
{
    public int[] Buffer;
    public int Count;

    public IdSink(int capacity) => Buffer = new int[Math.Max(16, capacity)];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int token)
    {
        if (Count == Buffer.Length) Array.Resize(ref Buffer, Buffer.Length * 2);
        Buffer[Count++] = token;
    }

    public readonly int[] ToArray() => Buffer.AsSpan(0, Count).ToArray();
}

/// <summary>Counts tokens without keeping them.</summary>
internal struct CountSink : ITokenSink
{
    public int Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int token) => Count++;
}
