using System.CommandLine;
using System.Text;
using System.Text.Json;
using Corvid.Text;
using Spectre.Console;

namespace Corvid.Cli;

/// <summary><c>corvid tokenize encode|decode|train</c>: tiktoken-exact BPE tokenization, and training a vocabulary.</summary>
internal static class TokenizeCommand
{
    public static Command Create() => new("tokenize",
        "Byte-level BPE tokenization exactly as OpenAI's tiktoken does it (cl100k_base for GPT-4, o200k_base for GPT-4o, "
        + "r50k_base/gpt2 for GPT-2 and GPT-3), and training your own vocabulary.")
    {
        CreateEncode(),
        CreateDecode(),
        TokenizeTrainCommand.Create(),
    };

    private static Option<string> EncodingOption() => new("--encoding", "-e")
    {
        Description = "cl100k_base, o200k_base, r50k_base, gpt2, or the path of a .tiktoken file written by 'corvid tokenize train'.",
        DefaultValueFactory = _ => "cl100k_base",
    };

    private static Command CreateEncode()
    {
        var encoding = EncodingOption();
        var file = new Option<FileInfo?>("--file", "-f") { Description = "Read the text from this file (UTF-8; invalid bytes become U+FFFD). Without it, standard input is read." };
        var count = new Option<bool>("--count") { Description = "Print only the number of tokens." };
        var show = new Option<bool>("--show") { Description = "Print the text with each token's span in alternating colours, then the token count." };
        var allowSpecial = new Option<string[]>("--allow-special")
        {
            Description = "Encode these special token strings (e.g. '<|endoftext|>') as their ids; 'all' allows every one. "
                + "By default a special token string in the text is an error, as in tiktoken.",
            AllowMultipleArgumentsPerToken = true,
        };
        var ordinary = new Option<bool>("--ordinary") { Description = "Treat special token strings as plain text." };
        var command = new Command("encode",
            "Encode text to token ids and print them as a JSON array. Example: echo 'hello world' | corvid tokenize encode --encoding cl100k_base")
        {
            encoding, file, count, show, allowSpecial, ordinary,
        };
        command.SetAction(parse => Run(() =>
        {
            var tokenizer = Tokenizer.Get(parse.GetValue(encoding)!);
            string text = ReadText(parse.GetValue(file));
            var allowed = parse.GetValue(allowSpecial) ?? [];
            bool plain = parse.GetValue(ordinary);
            IReadOnlySet<string> allowedSet = allowed.Contains("all") ? Tokenizer.AllSpecialTokens : allowed.ToHashSet(StringComparer.Ordinal);
            IReadOnlySet<string>? disallowedSet = plain ? new HashSet<string>() : null;
            if (!plain && !ReferenceEquals(allowedSet, Tokenizer.AllSpecialTokens))
            {
                var found = tokenizer.FindSpecialTokens(text).Where(s => !allowedSet.Contains(s)).ToList();
                if (found.Count > 0)
                {
                    throw new TokenizerException(
                        $"the text contains the special token {string.Join(", ", found.Select(s => $"'{s}'"))}; "
                        + $"pass --allow-special '{found[0]}' (or --allow-special all) to encode it as its id, or --ordinary to encode it as plain text");
                }
            }
            if (parse.GetValue(count))
            {
                Console.Out.WriteLine(tokenizer.CountTokens(text, plain ? new HashSet<string>() : allowedSet, disallowedSet));
                return 0;
            }
            var ids = tokenizer.Encode(text, plain ? new HashSet<string>() : allowedSet, disallowedSet);
            if (parse.GetValue(show)) Show(tokenizer, ids);
            else Console.Out.WriteLine("[" + string.Join(",", ids) + "]");
            return 0;
        }));
        return command;
    }

    private static Command CreateDecode()
    {
        var encoding = EncodingOption();
        var file = new Option<FileInfo?>("--file", "-f") { Description = "Read the JSON array of ids from this file instead of standard input." };
        var strict = new Option<bool>("--strict") { Description = "Fail if the tokens do not form valid UTF-8, instead of printing U+FFFD for the broken bytes." };
        var command = new Command("decode",
            "Decode a JSON array of token ids (read from standard input) and print the text. Example: echo '[15339,1917]' | corvid tokenize decode")
        {
            encoding, file, strict,
        };
        command.SetAction(parse => Run(() =>
        {
            var tokenizer = Tokenizer.Get(parse.GetValue(encoding)!);
            string json = ReadText(parse.GetValue(file));
            int[] ids;
            try
            {
                ids = JsonSerializer.Deserialize(json, TokenizeJson.Default.Int32Array) ?? throw new JsonException("null");
            }
            catch (JsonException e)
            {
                throw new TokenizerException($"decode: expected a JSON array of integer token ids, such as [15339,1917] ({e.Message})");
            }
            Console.Out.Write(tokenizer.Decode(ids, parse.GetValue(strict)));
            Console.Out.Flush();
            return 0;
        }));
        return command;
    }

    /// <summary>Reads a file or standard input as UTF-8, replacing invalid bytes.</summary>
    internal static string ReadText(FileInfo? file)
    {
        if (file is not null)
        {
            if (!file.Exists) throw new TokenizerException($"input file '{file.FullName}' does not exist");
            return Encoding.UTF8.GetString(File.ReadAllBytes(file.FullName));
        }
        using var stdin = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        stdin.CopyTo(buffer);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Runs an action; a tokenizer error is a one-line message on standard error and exit code 1.</summary>
    internal static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is TokenizerException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"corvid tokenize: {e.Message}");
            return 1;
        }
    }

    private static readonly string[] Palette = ["on #3b5b92", "on #7a4d8c", "on #2e7d5b", "on #9a6a1f", "on #8c3b4a"];

    /// <summary>
    /// The text with token spans in alternating background colours, like the Tiktokenizer page. A token that
    /// ends inside a UTF-8 character is joined with the next, so every span shows whole characters.
    /// </summary>
    private static void Show(Tokenizer tokenizer, int[] ids)
    {
        var markup = new StringBuilder();
        var pending = new List<byte>();
        int span = 0;
        foreach (int id in ids)
        {
            pending.AddRange(tokenizer.DecodeSingleTokenBytes(id));
            if (!System.Text.Unicode.Utf8.IsValid(pending.ToArray()) && pending.Count < 16) continue;
            string piece = Encoding.UTF8.GetString(pending.ToArray());
            pending.Clear();
            var lines = piece.Split('\n');
            for (int k = 0; k < lines.Length; k++)
            {
                if (lines[k].Length > 0) markup.Append('[').Append(Palette[span % Palette.Length]).Append(']').Append(Markup.Escape(lines[k])).Append("[/]");
                if (k + 1 < lines.Length) markup.Append("[grey]↵[/]\n");
            }
            span++;
        }
        if (pending.Count > 0) markup.Append('[').Append(Palette[span % Palette.Length]).Append(']').Append(Markup.Escape(Encoding.UTF8.GetString(pending.ToArray()))).Append("[/]");
        AnsiConsole.Markup(markup.ToString());
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine($"[bold]{ids.Length}[/] tokens ({Markup.Escape(tokenizer.Name)})");
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(int[]))]
internal sealed partial class TokenizeJson : System.Text.Json.Serialization.JsonSerializerContext;
