using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Corvid.Serving.Scheduling;

/// <summary>
/// The server's instruments, on the meter <c>Corvid.Serving</c>; the host exports them to Prometheus
/// through OpenTelemetry. Names follow OpenTelemetry (dots); Prometheus sees <c>corvid_requests_total</c>,
/// <c>corvid_queue_depth</c>, <c>corvid_queue_time_milliseconds</c>, <c>corvid_inference_time_milliseconds</c>
/// and <c>corvid_batch_size</c>, each labelled with <c>model</c> and <c>version</c>.
/// </summary>
public sealed class ServingMetrics : IDisposable
{
    public const string MeterName = "Corvid.Serving";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _dropped;
    private readonly Histogram<double> _queueTime;
    private readonly Histogram<double> _inferenceTime;
    private readonly Histogram<int> _batchSize;

    public ServingMetrics(Func<IEnumerable<Measurement<int>>> queueDepths, IMeterFactory? factory = null)
    {
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _requests = _meter.CreateCounter<long>("corvid.requests", description: "Inference requests answered, by model, version and HTTP status");
        _dropped = _meter.CreateCounter<long>("corvid.requests.dropped", description: "Queued requests dropped before running, by reason (client_disconnected, timeout)");
        _meter.CreateObservableGauge("corvid.queue.depth", queueDepths, description: "Requests waiting in the model version's queue");
        double[] timeBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000];
        _queueTime = _meter.CreateHistogram("corvid.queue.time", "ms", "Time a request waited in the queue",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = timeBuckets });
        _inferenceTime = _meter.CreateHistogram("corvid.inference.time", "ms", "Time one batch took in the model",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = timeBuckets });
        _batchSize = _meter.CreateHistogram("corvid.batch.size", unit: null, "Rows per batch run by a worker",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64] });
    }

    public void RecordRequest(string model, string version, int status) =>
        _requests.Add(1, new("model", model), new("version", version), new("status", status));

    public void RecordDropped(string model, string version, string reason) =>
        _dropped.Add(1, new("model", model), new("version", version), new("reason", reason));

    internal void RecordBatch(string model, string version, int rows, double inferenceMs)
    {
        var tags = new TagList { { "model", model }, { "version", version } };
        _batchSize.Record(rows, tags);
        _inferenceTime.Record(inferenceMs, tags);
    }

    internal void RecordQueueTime(string model, string version, double ms) =>
        _queueTime.Record(ms, new("model", model), new("version", version));

    public void Dispose() => _meter.Dispose();
}
