using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Corvid.Server;

/// <summary>
/// Graceful shutdown. On SIGTERM the host calls <see cref="StoppingAsync"/> before it stops Kestrel: readiness
/// turns false (new requests get 503 and a load balancer stops routing here), every accepted request is
/// allowed to finish within the drain timeout, then the workers stop and the process exits 0.
/// </summary>
internal sealed class ServingLifetime(ServerState state, ILogger<ServingLifetime> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        state.BeginDraining();
        var pending = state.Registry.All.Sum(h => h.Pending);
        logger.LogInformation("Draining: {Pending} accepted requests may take up to {Timeout} s", pending, state.Options.DrainTimeoutSeconds);
        await state.Registry.DrainAsync(TimeSpan.FromSeconds(state.Options.DrainTimeoutSeconds)).ConfigureAwait(false);
        logger.LogInformation("Drained; stopping");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
