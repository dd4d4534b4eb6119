using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Corvid.Serving.Tests;

namespace Corvid.Server.Tests;

/// <summary>A real Corvid server on 127.0.0.1 and a free port (Kestrel, not a test host), with an HTTP client pointed at it.</summary>
public sealed class LiveServer : IAsyncDisposable
{
    private LiveServer(CorvidServer server, string store)
    {
        Server = server;
        Store = store;
        BaseAddress = new Uri(server.Addresses.Single());
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public CorvidServer Server { get; }
    public string Store { get; }
    public Uri BaseAddress { get; }
    public HttpClient Client { get; }

    /// <summary>Starts a server whose model store holds what <paramref name="fillStore"/> writes there.</summary>
    public static async Task<LiveServer> StartAsync(Action<string>? fillStore = null, Action<ServerOptions>? configure = null, bool defaultModel = false)
    {
        var store = TestModels.TempDirectory("store");
        fillStore?.Invoke(store);
        var options = new ServerOptions { Port = 0, ModelStore = store, LoadDefaultModel = defaultModel, DrainTimeoutSeconds = 10 };
        configure?.Invoke(options);
        var server = CorvidServer.Create(options);
        await server.StartAsync();
        return new LiveServer(server, store);
    }

    public Task<HttpResponseMessage> PostBytesAsync(string path, byte[] body, CancellationToken cancellationToken = default)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return Client.PostAsync(path, content, cancellationToken);
    }

    public Task<HttpResponseMessage> PostJsonAsync(string path, string json, CancellationToken cancellationToken = default) =>
        Client.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"), cancellationToken);

    public static string RawRow(float v) => $$"""{"shape": [1, 4], "data": [{{v}}, {{v}}, {{v}}, {{v}}]}""";

    public async Task<JsonNode> DescribeAsync(string model)
    {
        var text = await Client.GetStringAsync($"/models/{model}");
        return JsonNode.Parse(text)!.AsArray()[0]!;
    }

    public async Task<string> MetricsAsync() => await Client.GetStringAsync("/metrics");

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> after 30 s.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"gave up waiting for {what}");
            await Task.Delay(25);
        }
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        Client.Dispose();
        await Server.StopAsync();
        await Server.DisposeAsync();
    }
}
