using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Corvid.Agents;

/// <summary>
/// Collects the spans of Corvid.Agents through the OpenTelemetry SDK while it is alive, then saves them with
/// <see cref="TraceFile"/>: <c>using var trace = TraceRecorder.Start(); ...; trace.Save("trace.json");</c>
/// </summary>
public sealed class TraceRecorder : IDisposable
{
    private readonly SpanCollector _collector = new();
    private readonly TracerProvider _provider;

    private TraceRecorder(string serviceName)
    {
        _provider = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(serviceName))
            .AddSource(AgentTelemetry.SourceName)
            .SetSampler(new AlwaysOnSampler())
            .AddProcessor(new SimpleActivityExportProcessor(_collector))
            .Build();
    }

    public static TraceRecorder Start(string serviceName = "corvid") => new(serviceName);

    /// <summary>The spans finished so far, oldest start first.</summary>
    public IReadOnlyList<SpanRecord> Spans => _collector.Snapshot();

    /// <summary>Writes the finished spans to <paramref name="path"/> (atomically) as OTLP JSON.</summary>
    public void Save(string path)
    {
        _provider.ForceFlush();
        TraceFile.Write(path, Spans);
    }

    public void Dispose() => _provider.Dispose();

    private sealed class SpanCollector : BaseExporter<Activity>
    {
        private readonly List<SpanRecord> _spans = [];

        public override ExportResult Export(in Batch<Activity> batch)
        {
            lock (_spans)
            {
                foreach (var activity in batch) _spans.Add(ToRecord(activity));
            }
            return ExportResult.Success;
        }

        public IReadOnlyList<SpanRecord> Snapshot()
        {
            lock (_spans) return [.. _spans.OrderBy(s => s.Start)];
        }

        private static SpanRecord ToRecord(Activity activity) => new(
            activity.TraceId.ToHexString(),
            activity.SpanId.ToHexString(),
            activity.ParentSpanId == default ? null : activity.ParentSpanId.ToHexString(),
            activity.DisplayName,
            activity.Kind == ActivityKind.Client ? "client" : "internal",
            activity.StartTimeUtc,
            activity.StartTimeUtc + activity.Duration,
            activity.TagObjects.ToDictionary(t => t.Key, t => t.Value),
            activity.Status == ActivityStatusCode.Error,
            activity.StatusDescription);
    }
}
