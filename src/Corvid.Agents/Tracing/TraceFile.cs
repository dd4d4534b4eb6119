using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Corvid.Agents;

/// <summary>
/// Reads and writes spans in the OpenTelemetry protocol's JSON encoding (<c>resourceSpans</c> → <c>scopeSpans</c> →
/// <c>spans</c>), the format an OTLP collector accepts, so a trace saved by <c>corvid debate --trace</c> can be
/// shown by <c>corvid trace show</c> or sent anywhere else.
/// </summary>
public static class TraceFile
{
    public static void Write(string path, IEnumerable<SpanRecord> spans, string serviceName = "corvid")
    {
        var scopes = new JsonArray();
        foreach (var group in spans.GroupBy(s => AgentTelemetry.SourceName))
        {
            var array = new JsonArray();
            foreach (var span in group.OrderBy(s => s.Start))
            {
                var attributes = new JsonArray();
                foreach (var (key, value) in span.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
                {
                    if (value is null) continue;
                    attributes.Add(new JsonObject { ["key"] = key, ["value"] = AnyValue(value) });
                }
                var json = new JsonObject
                {
                    ["traceId"] = span.TraceId,
                    ["spanId"] = span.SpanId,
                    ["parentSpanId"] = span.ParentSpanId ?? "",
                    ["name"] = span.Name,
                    ["kind"] = span.Kind == "client" ? 3 : 1,
                    ["startTimeUnixNano"] = UnixNanos(span.Start),
                    ["endTimeUnixNano"] = UnixNanos(span.End),
                    ["attributes"] = attributes,
                    ["status"] = span.IsError
                        ? new JsonObject { ["code"] = 2, ["message"] = span.StatusMessage ?? "" }
                        : new JsonObject { ["code"] = 0 },
                };
                array.Add(json);
            }
            scopes.Add(new JsonObject { ["scope"] = new JsonObject { ["name"] = group.Key }, ["spans"] = array });
        }
        var document = new JsonObject
        {
            ["resourceSpans"] = new JsonArray(new JsonObject
            {
                ["resource"] = new JsonObject
                {
                    ["attributes"] = new JsonArray(new JsonObject { ["key"] = "service.name", ["value"] = new JsonObject { ["stringValue"] = serviceName } }),
                },
                ["scopeSpans"] = scopes,
            }),
        };
        AtomicFile.WriteAllText(path, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Reads a trace file; a file that is not OTLP JSON gives an error naming the file and what is wrong.</summary>
    public static IReadOnlyList<SpanRecord> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"trace file '{path}' does not exist", path);
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var spans = new List<SpanRecord>();
            foreach (var resource in document.RootElement.GetProperty("resourceSpans").EnumerateArray())
            {
                foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
                {
                    foreach (var span in scope.GetProperty("spans").EnumerateArray()) spans.Add(ReadSpan(span));
                }
            }
            return spans;
        }
        catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"trace file '{path}' is not an OpenTelemetry JSON trace: {error.Message}", error);
        }
    }

    private static SpanRecord ReadSpan(JsonElement span)
    {
        var attributes = new Dictionary<string, object?>();
        if (span.TryGetProperty("attributes", out var list))
        {
            foreach (var attribute in list.EnumerateArray())
            {
                attributes[attribute.GetProperty("key").GetString()!] = FromAnyValue(attribute.GetProperty("value"));
            }
        }
        var parent = span.TryGetProperty("parentSpanId", out var p) ? p.GetString() : null;
        var status = span.TryGetProperty("status", out var s) ? s : default;
        var isError = status.ValueKind == JsonValueKind.Object && status.TryGetProperty("code", out var code) && code.GetInt32() == 2;
        return new SpanRecord(
            span.GetProperty("traceId").GetString()!,
            span.GetProperty("spanId").GetString()!,
            string.IsNullOrEmpty(parent) ? null : parent,
            span.GetProperty("name").GetString()!,
            span.TryGetProperty("kind", out var kind) && kind.GetInt32() == 3 ? "client" : "internal",
            FromUnixNanos(span.GetProperty("startTimeUnixNano").GetString()!),
            FromUnixNanos(span.GetProperty("endTimeUnixNano").GetString()!),
            attributes,
            isError,
            isError && status.TryGetProperty("message", out var message) ? message.GetString() : null);
    }

    private static JsonObject AnyValue(object value) => value switch
    {
        bool b => new JsonObject { ["boolValue"] = b },
        int or long or short or byte => new JsonObject { ["intValue"] = Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) },
        double or float => new JsonObject { ["doubleValue"] = Convert.ToDouble(value, CultureInfo.InvariantCulture) },
        _ => new JsonObject { ["stringValue"] = Convert.ToString(value, CultureInfo.InvariantCulture) },
    };

    private static object? FromAnyValue(JsonElement value)
    {
        if (value.TryGetProperty("stringValue", out var s)) return s.GetString();
        if (value.TryGetProperty("intValue", out var i)) return i.ValueKind == JsonValueKind.String ? long.Parse(i.GetString()!, CultureInfo.InvariantCulture) : i.GetInt64();
        if (value.TryGetProperty("doubleValue", out var d)) return d.GetDouble();
        if (value.TryGetProperty("boolValue", out var b)) return b.GetBoolean();
        return null;
    }

    private static string UnixNanos(DateTimeOffset time) =>
        ((time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100).ToString(CultureInfo.InvariantCulture);

    private static DateTimeOffset FromUnixNanos(string nanos) =>
        DateTimeOffset.UnixEpoch.AddTicks(long.Parse(nanos, CultureInfo.InvariantCulture) / 100);
}
