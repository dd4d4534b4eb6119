using System.Runtime.Intrinsics;
using System.Text.Json;

namespace Corvid.Cli.Tests;

public class InfoCommandTests
{
    [Fact]
    public void Info_table_names_the_core_count_and_simd_widths_of_this_machine()
    {
        var result = CorvidProcess.Run("info");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Logical cores", result.StdOut);
        Assert.Matches($@"Logical cores\s*│\s*{Environment.ProcessorCount}\s", result.StdOut);
        Assert.Equal(Vector256.IsHardwareAccelerated, result.StdOut.Contains("Vector256"));
        Assert.Equal(Vector512.IsHardwareAccelerated, result.StdOut.Contains("Vector512"));
        Assert.Contains(".NET 10", result.StdOut);
    }

    [Fact]
    public void Info_json_is_machine_readable_and_agrees_with_the_runtime()
    {
        var result = CorvidProcess.Run("info", "--json");

        Assert.Equal(0, result.ExitCode);
        using var doc = JsonDocument.Parse(result.StdOut);
        var root = doc.RootElement;
        Assert.Equal(Environment.ProcessorCount, root.GetProperty("logicalCores").GetInt32());
        var widths = root.GetProperty("acceleratedVectorWidths").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(Vector128.IsHardwareAccelerated, widths.Contains("Vector128"));
        Assert.Equal(Vector512.IsHardwareAccelerated, widths.Contains("Vector512"));
    }

    [Fact]
    public void Info_reports_what_the_runtime_accelerates_not_what_the_cpu_has()
    {
        var result = CorvidProcess.RunWith(null, new Dictionary<string, string> { ["DOTNET_EnableAVX512"] = "0" }, "info", "--json");

        Assert.Equal(0, result.ExitCode);
        using var doc = JsonDocument.Parse(result.StdOut);
        var widths = doc.RootElement.GetProperty("acceleratedVectorWidths").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.DoesNotContain("Vector512", widths);
    }
}
