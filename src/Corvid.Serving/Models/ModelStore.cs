namespace Corvid.Serving.Models;

/// <summary>
/// Where models may be registered from: one configured folder holding model folders and zip archives.
/// A registration names an entry of that folder (as TorchServe's <c>url=resnet.mar</c> names a file of its
/// model store); anything that resolves outside it is refused.
/// </summary>
public sealed class ModelStore
{
    private readonly string _extractRoot;

    public ModelStore(string? directory, string? extractRoot = null)
    {
        Directory = directory is null ? null : Path.GetFullPath(directory);
        _extractRoot = extractRoot ?? Path.Combine(Path.GetTempPath(), "corvid-serve", $"{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
    }

    /// <summary>The model store folder, or null when registration is turned off.</summary>
    public string? Directory { get; }

    /// <summary>Entries of the store that look like models: folders with a manifest, and .zip/.mar archives.</summary>
    public IEnumerable<string> ListEntries()
    {
        if (Directory is null || !System.IO.Directory.Exists(Directory)) return [];
        var folders = System.IO.Directory.EnumerateDirectories(Directory)
            .Where(d => File.Exists(Path.Combine(d, ModelManifest.FileName)));
        var archives = System.IO.Directory.EnumerateFiles(Directory).Where(IsArchive);
        return folders.Concat(archives).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal);
    }

    /// <summary>Opens the store entry <paramref name="url"/> (a folder or an archive name inside the store).</summary>
    public ModelPackage Open(string url)
    {
        if (Directory is null)
        {
            throw new ModelLoadException("registration is turned off: the server was started without a model store folder (--models)");
        }
        if (string.IsNullOrWhiteSpace(url)) throw new ModelLoadException("parameter 'url' is empty; name a folder or archive in the model store");
        if (url.Contains("://", StringComparison.Ordinal))
        {
            throw new ModelLoadException($"url '{url}': only entries of the model store folder '{Directory}' can be registered, not remote addresses");
        }
        var full = Path.GetFullPath(Path.Combine(Directory, url));
        if (!full.StartsWith(Directory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ModelLoadException($"url '{url}' resolves outside the model store folder '{Directory}'");
        }
        if (System.IO.Directory.Exists(full)) return ModelPackage.FromDirectory(full) with { Source = url };
        if (File.Exists(full))
        {
            if (!IsArchive(full)) throw new ModelLoadException($"url '{url}' is a file but not a .zip or .mar model archive");
            var target = Path.Combine(_extractRoot, Path.GetFileNameWithoutExtension(full) + "-" + Guid.NewGuid().ToString("N")[..8]);
            try
            {
                ModelArchive.Extract(full, target);
                return ModelPackage.FromDirectory(target) with { Source = url };
            }
            catch
            {
                TryDelete(target);
                throw;
            }
        }
        throw new ModelLoadException($"url '{url}': no folder or archive of that name in the model store folder '{Directory}'");
    }

    /// <summary>Deletes the folders archives were unpacked into; called when the server shuts down.</summary>
    public void DeleteExtractedArchives() => TryDelete(_extractRoot);

    private static bool IsArchive(string path) =>
        path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".mar", StringComparison.OrdinalIgnoreCase);

    private static void TryDelete(string directory)
    {
        try
        {
            if (System.IO.Directory.Exists(directory)) System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; the registration error is what the caller must see.
        }
    }
}
