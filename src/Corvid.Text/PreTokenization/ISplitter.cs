namespace Corvid.Text.PreTokenization;

/// <summary>
/// A hand-written equivalent of one split pattern: given a piece's first byte, returns where the piece
/// ends, exactly where the pattern's leftmost-first regex match would end. Works on valid UTF-8 code
/// point by code point. Implemented by structs so the encoder's loop is specialised for each pattern.
/// </summary>
internal interface ISplitter
{
    /// <summary>End (exclusive) of the piece that starts at <paramref name="start"/>; <paramref name="start"/> &lt; <paramref name="length"/>.</summary>
    static abstract int PieceEnd(ref byte text, int start, int length);
}
