using System.CommandLine;

namespace Corvid.Cli;

/// <summary><c>corvid bench</c>: experiments that measure Corvid on this machine and write their report to docs/.</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Run an experiment on this machine and write its report (a Markdown page with a chart) under docs/.")
    {
        BenchServeCommand.Create(),
        BenchServeCommand.CreateJob(),
    };
}
