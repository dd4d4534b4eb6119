namespace Corvid.Text;

/// <summary>
/// Bad input to a tokenizer: a malformed rank file, an unknown token id, a special token in text that
/// was not allowed. The message names the problem and the value.
/// </summary>
public sealed class TokenizerException(string message, Exception? inner = null) : Exception(message, inner);
