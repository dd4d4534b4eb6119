using System.Diagnostics.Metrics;
using Corvid.Serving.Models;
using Corvid.Serving.Runtimes;

namespace Corvid.Serving.Scheduling;

/// <summary>
/// The models a server is serving: name → versions → <see cref="ModelVersionHost"/>, plus each name's default
/// version. Thread-safe; the management API changes it while the inference API reads it.
/// </summary>
public sealed class ModelRegistry : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, ModelEntry> _models = new(StringComparer.Ordinal);
    private readonly ModelRuntimes _runtimes;

    public ModelRegistry(ModelRuntimes runtimes, IMeterFactory? meterFactory = null)
    {
        _runtimes = runtimes;
        Metrics = new ServingMetrics(QueueDepths, meterFactory);
    }

    public ServingMetrics Metrics { get; }

    /// <summary>Loads and starts a model version. A version that fails to load is kept, in the Failed state.</summary>
    public ModelVersionHost Add(ModelPackage package, bool makeDefault = false)
    {
        var manifest = package.Manifest;
        lock (_gate)
        {
            if (_models.TryGetValue(manifest.Name, out var existing) && existing.Versions.ContainsKey(manifest.Version))
            {
                throw new ModelLoadException($"model '{manifest.Name}' version {manifest.Version} is already registered; unregister it first");
            }
        }
        var host = ModelVersionHost.Start(package, _runtimes, Metrics);
        lock (_gate)
        {
            if (!_models.TryGetValue(manifest.Name, out var entry))
            {
                entry = new ModelEntry(manifest.Name);
                _models[manifest.Name] = entry;
            }
            if (!entry.Versions.TryAdd(manifest.Version, host))
            {
                host.Dispose();
                throw new ModelLoadException($"model '{manifest.Name}' version {manifest.Version} is already registered; unregister it first");
            }
            if (makeDefault || entry.DefaultVersion is null) entry.DefaultVersion = manifest.Version;
        }
        return host;
    }

    /// <summary>The version asked for, or the name's default version when <paramref name="version"/> is null.</summary>
    public ModelVersionHost? Find(string name, string? version = null)
    {
        lock (_gate)
        {
            if (!_models.TryGetValue(name, out var entry)) return null;
            var wanted = version ?? entry.DefaultVersion;
            return wanted is not null && entry.Versions.TryGetValue(wanted, out var host) ? host : null;
        }
    }

    public IReadOnlyList<ModelVersionHost> Versions(string name)
    {
        lock (_gate)
        {
            return _models.TryGetValue(name, out var entry) ? entry.Versions.Values.OrderBy(v => v.Version, StringComparer.Ordinal).ToList() : [];
        }
    }

    public string? DefaultVersion(string name)
    {
        lock (_gate) return _models.TryGetValue(name, out var entry) ? entry.DefaultVersion : null;
    }

    public IReadOnlyList<string> Names
    {
        get { lock (_gate) return _models.Keys.Order(StringComparer.Ordinal).ToList(); }
    }

    public IReadOnlyList<ModelVersionHost> All
    {
        get { lock (_gate) return _models.Values.SelectMany(e => e.Versions.Values).ToList(); }
    }

    public bool SetDefault(string name, string version)
    {
        lock (_gate)
        {
            if (!_models.TryGetValue(name, out var entry) || !entry.Versions.ContainsKey(version)) return false;
            entry.DefaultVersion = version;
            return true;
        }
    }

    /// <summary>Removes a version (or the default one) at once; its accepted requests finish in the background.</summary>
    public ModelVersionHost? Remove(string name, string? version, TimeSpan drainTimeout)
    {
        ModelVersionHost? host;
        lock (_gate)
        {
            if (!_models.TryGetValue(name, out var entry)) return null;
            var wanted = version ?? entry.DefaultVersion;
            if (wanted is null || !entry.Versions.Remove(wanted, out host)) return null;
            if (entry.Versions.Count == 0) _models.Remove(name);
            else if (entry.DefaultVersion == wanted) entry.DefaultVersion = entry.Versions.Keys.Order(StringComparer.Ordinal).Last();
        }
        _ = host.StopAsync(drainTimeout);
        return host;
    }

    /// <summary>Lets every accepted request finish (at most <paramref name="drainTimeout"/>), then stops all workers.</summary>
    public Task DrainAsync(TimeSpan drainTimeout) => Task.WhenAll(All.Select(h => h.StopAsync(drainTimeout)));

    private IEnumerable<Measurement<int>> QueueDepths() => All.Select(h => h.DepthMeasurement());

    public void Dispose()
    {
        foreach (var host in All) host.Dispose();
        Metrics.Dispose();
    }

    private sealed class ModelEntry(string name)
    {
        public string Name { get; } = name;
        public Dictionary<string, ModelVersionHost> Versions { get; } = new(StringComparer.Ordinal);
        public string? DefaultVersion { get; set; }
    }
}
