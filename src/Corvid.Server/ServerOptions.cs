namespace Corvid.Server;

/// <summary>How <c>corvid serve</c> runs; bound from the command line, available to services as <c>IOptions&lt;ServerOptions&gt;</c>.</summary>
public sealed class ServerOptions
{
    /// <summary>Address to bind. Loopback unless told otherwise: an inference server is not for the open network by default.</summary>
    public string Host { get; set; } = "127.0.0.1";
    /// <summary>TCP port; 0 picks a free one (the bound address is printed and available from <see cref="CorvidServer.Addresses"/>).</summary>
    public int Port { get; set; } = 8080;
    /// <summary>The model store folder: models in it load at start, and registration accepts only its entries. Null turns registration off.</summary>
    public string? ModelStore { get; set; }
    /// <summary>Serve the embedded ResNet18 as <c>resnet18</c>.</summary>
    public bool LoadDefaultModel { get; set; } = true;
    /// <summary>Overrides for the default model's scheduling (null keeps its manifest's value).</summary>
    public int? DefaultWorkers { get; set; }
    public int? DefaultBatchSize { get; set; }
    public double? DefaultBatchDelayMs { get; set; }
    public int? DefaultQueueSize { get; set; }
    public int? DefaultIntraOpThreads { get; set; }
    public double? DefaultResponseTimeoutSeconds { get; set; }
    /// <summary>When set, inference and KServe v2 calls need <c>Authorization: Bearer KEY</c> (or <c>X-API-Key</c>).</summary>
    public string? InferenceKey { get; set; }
    /// <summary>When set, management calls need this key; it is separate from the inference key.</summary>
    public string? ManagementKey { get; set; }
    /// <summary>Largest request body accepted; bigger ones get 413. TorchServe's default is 6,553,500 bytes.</summary>
    public long MaxRequestBytes { get; set; } = 16 * 1024 * 1024;
    /// <summary>On SIGTERM: how long accepted requests may take to finish before the server exits.</summary>
    public double DrainTimeoutSeconds { get; set; } = 30;
    /// <summary>Seconds a client is told to wait (Retry-After) when a queue is full.</summary>
    public int RetryAfterSeconds { get; set; } = 1;
}
