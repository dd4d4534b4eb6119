using Corvid.Serving.Models;
using Corvid.Serving.Scheduling;

namespace Corvid.Server;

/// <summary>What every endpoint shares: the live models, the store they are registered from, and whether the server is draining.</summary>
public sealed class ServerState(ModelRegistry registry, ModelStore store, ServerOptions options)
{
    private volatile bool _draining;

    public ModelRegistry Registry { get; } = registry;
    public ModelStore Store { get; } = store;
    public ServerOptions Options { get; } = options;
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>True from SIGTERM on: readiness is false and new inference requests get 503.</summary>
    public bool Draining => _draining;

    public void BeginDraining() => _draining = true;
}
