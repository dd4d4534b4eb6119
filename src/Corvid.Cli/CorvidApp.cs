using System.CommandLine;

namespace Corvid.Cli;

/// <summary>The <c>corvid</c> root command: every sub-command is listed once, in <see cref="Commands"/>.</summary>
public static class CorvidApp
{
    public const string Description =
        "Corvid: a deep-learning and AI-systems stack in C#. Tensors with autograd, tokenizers, "
        + "vision and speech models, an inference server and agent workflows, in one tool.";

    /// <summary>Each sub-command lives in its own file under Commands/ and is added here.</summary>
    private static IEnumerable<Command> Commands() =>
    [
        InfoCommand.Create(),
        AttentionCommand.Create(),
        ServeCommand.Create(),
        TrainCommand.Create(),
        BenchCommand.Create(),
        TokenizeCommand.Create(),
        DebateCommand.Create(),
        TraceCommand.Create(),
    ];

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand(Description);
        foreach (var command in Commands())
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    public static Task<int> RunAsync(string[] args) => BuildRoot().Parse(args).InvokeAsync();
}
