using System.CommandLine;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using Spectre.Console;

namespace Corvid.Cli;

/// <summary><c>corvid info</c>: what this machine gives Corvid to work with.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the facts as one JSON object instead of a table." };
        var command = new Command("info",
            "Show the .NET runtime, operating system, logical cores and the SIMD widths this machine accelerates "
            + "(Vector512, Vector256, Vector128): the facts that decide how fast Corvid's kernels run here.")
        {
            json,
        };
        command.SetAction(parse =>
        {
            var facts = MachineFacts.Read();
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(facts, MachineFactsJson.Default.MachineFacts));
            }
            else
            {
                Render(facts);
            }
            return 0;
        });
        return command;
    }

    private static void Render(MachineFacts facts)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn("");
        table.HideHeaders();
        table.AddRow("Corvid", Markup.Escape(facts.CorvidVersion));
        table.AddRow(".NET runtime", Markup.Escape(facts.Runtime));
        table.AddRow("OS", Markup.Escape($"{facts.Os} ({facts.Architecture})"));
        table.AddRow("Logical cores", facts.LogicalCores.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("SIMD accelerated", Markup.Escape(string.Join(", ", facts.AcceleratedVectorWidths.DefaultIfEmpty("none (scalar)"))));
        table.AddRow("Instruction sets", Markup.Escape(string.Join(", ", facts.InstructionSets.DefaultIfEmpty("none detected"))));
        AnsiConsole.Write(table);
    }
}

/// <summary>Facts about the machine, read once; also what <c>corvid info --json</c> prints.</summary>
public sealed record MachineFacts(
    string CorvidVersion,
    string Runtime,
    string Os,
    string Architecture,
    int LogicalCores,
    IReadOnlyList<string> AcceleratedVectorWidths,
    IReadOnlyList<string> InstructionSets)
{
    public static MachineFacts Read()
    {
        var widths = new List<string>();
        if (Vector512.IsHardwareAccelerated) widths.Add("Vector512");
        if (Vector256.IsHardwareAccelerated) widths.Add("Vector256");
        if (Vector128.IsHardwareAccelerated) widths.Add("Vector128");

        var sets = new List<string>();
        if (Avx512F.IsSupported) sets.Add("AVX-512F");
        if (Avx2.IsSupported) sets.Add("AVX2");
        if (Fma.IsSupported) sets.Add("FMA");
        if (Sse42.IsSupported) sets.Add("SSE4.2");
        if (AdvSimd.IsSupported) sets.Add("AdvSIMD");

        return new MachineFacts(
            CorvidVersion: typeof(MachineFacts).Assembly.GetName().Version?.ToString(3) ?? "unknown",
            Runtime: RuntimeInformation.FrameworkDescription,
            Os: RuntimeInformation.OSDescription,
            Architecture: RuntimeInformation.OSArchitecture.ToString(),
            LogicalCores: Environment.ProcessorCount,
            AcceleratedVectorWidths: widths,
            InstructionSets: sets);
    }
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(
    PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(MachineFacts))]
internal sealed partial class MachineFactsJson : System.Text.Json.Serialization.JsonSerializerContext;
