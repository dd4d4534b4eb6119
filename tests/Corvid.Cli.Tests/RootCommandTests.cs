namespace Corvid.Cli.Tests;

public class RootCommandTests
{
    [Fact]
    public void Help_lists_every_sub_command()
    {
        var result = CorvidProcess.Run("--help");

        Assert.Equal(0, result.ExitCode);
        var subCommands = CorvidApp.BuildRoot().Subcommands.Select(c => c.Name).ToList();
        Assert.NotEmpty(subCommands);
        foreach (var name in subCommands)
        {
            Assert.Matches($@"(?m)^\s+{name}\b", result.StdOut);
        }
    }

    [Fact]
    public void Version_prints_the_assembly_version()
    {
        var result = CorvidProcess.Run("--version");

        Assert.Equal(0, result.ExitCode);
        var expected = typeof(CorvidApp).Assembly.GetName().Version!.ToString(3);
        Assert.StartsWith(expected, result.StdOut.Trim());
    }

    [Fact]
    public void Unknown_sub_command_fails_with_a_message_naming_it()
    {
        var result = CorvidProcess.Run("frobnicate");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("frobnicate", result.StdErr + result.StdOut);
    }
}
