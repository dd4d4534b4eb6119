using System.Diagnostics;
using System.Text;

namespace Corvid.Agents.Tests.Cli;

/// <summary>Runs the real <c>corvid</c> command in its own process, as a user would.</summary>
internal static class Corvid
{
    /// <summary>
    /// The CLI's own build output (the CLI is a project reference, so it is built first). Its copy beside this assembly is
    /// not used: assemblies this test project takes from the ASP.NET Core shared framework are missing there for corvid.deps.json.
    /// </summary>
    private static string Dll
    {
        get
        {
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var own = Path.Combine(here.Parent!.Parent!.FullName, "Corvid.Cli", here.Name, "corvid.dll");
            return File.Exists(own) ? own : Path.Combine(AppContext.BaseDirectory, "corvid.dll");
        }
    }

    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["NO_COLOR"] = "1";
        start.Environment["COLUMNS"] = "200";
        return Process.Start(start) ?? throw new InvalidOperationException("could not start corvid");
    }

    public static Result Run(params string[] args) => RunWithInput(null, args);

    public static Result RunWithInput(string? stdin, params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"corvid {string.Join(' ', args)} did not finish within {Timeout}");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs corvid until a line of its output matches <paramref name="killWhen"/>, then kills it; returns what it printed.</summary>
    public static async Task<(string StdOut, bool Killed)> RunAndKill(Func<string, bool> killWhen, params string[] args)
    {
        using var process = Start(args);
        process.StandardInput.Close();
        _ = process.StandardError.ReadToEndAsync();
        var output = new StringBuilder();
        using var deadline = new CancellationTokenSource(Timeout);
        while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            output.AppendLine(line);
            if (killWhen(line))
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(deadline.Token);
                return (output.ToString(), true);
            }
        }
        await process.WaitForExitAsync(deadline.Token);
        return (output.ToString(), false);
    }
}
