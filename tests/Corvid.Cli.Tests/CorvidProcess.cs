using System.Diagnostics;

namespace Corvid.Cli.Tests;

/// <summary>Runs the real <c>corvid</c> command in its own process, as a user would.</summary>
internal static class CorvidProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static Result Run(params string[] args) => RunWithInput(null, args);

    public static Result RunWithInput(string? stdin, params string[] args) => RunWith(stdin, new Dictionary<string, string>(), args);

    public static Result RunWith(string? stdin, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        // The CLI project is referenced, so corvid.dll and its runtimeconfig sit beside this assembly.
        var dll = Path.Combine(AppContext.BaseDirectory, "corvid.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["NO_COLOR"] = "1";
        start.Environment["COLUMNS"] = "200";
        foreach (var (name, value) in environment) start.Environment[name] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start corvid");
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
}
