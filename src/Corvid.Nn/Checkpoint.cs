using System.Globalization;
using Corvid.Nn.Optim;
using Corvid.Tensors.IO;

namespace Corvid.Nn;

/// <summary>
/// Saves and loads a module's state dict as safetensors, the format PyTorch and Hugging Face tools
/// read (<c>model.load_state_dict(safetensors.torch.load_file(path))</c> works on these files, and
/// Corvid loads theirs). Writes are atomic. Errors name the file and every missing, unexpected or
/// mis-shaped key; a truncated or corrupted file is an <see cref="InvalidDataException"/> naming the file.
/// </summary>
public static class Checkpoint
{
    public static void Save(Module module, string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafeTensors.Save(path, module.StateDict(), metadata);

    /// <summary>Loads weights into <paramref name="module"/>; with <paramref name="strict"/> the keys must match exactly. Returns the file's metadata.</summary>
    public static IReadOnlyDictionary<string, string> Load(Module module, string path, bool strict = true)
    {
        var contents = SafeTensors.Load(path);
        try
        {
            module.LoadStateDict(contents.Tensors, strict);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"checkpoint '{path}': {e.Message}", e);
        }
        return contents.Metadata;
    }

    /// <summary>
    /// Saves what training needs to resume besides the weights: the optimizer's state (moments, momentum
    /// buffers, step counts, group hyperparameters) and, if given, the scheduler's step index.
    /// </summary>
    public static void SaveOptimizer(Optimizer optimizer, string path, LRScheduler? scheduler = null)
    {
        var (tensors, metadata) = optimizer.StateDict();
        if (scheduler is not null)
        {
            metadata["scheduler"] = scheduler.GetType().Name;
            metadata["scheduler_last_epoch"] = scheduler.LastEpoch.ToString(CultureInfo.InvariantCulture);
        }
        SafeTensors.Save(path, tensors, metadata);
    }

    /// <summary>Restores <see cref="SaveOptimizer"/>'s file into an optimizer (and scheduler) built as they were when saved.</summary>
    public static void LoadOptimizer(Optimizer optimizer, string path, LRScheduler? scheduler = null)
    {
        var contents = SafeTensors.Load(path);
        try
        {
            string? savedScheduler = contents.Metadata.GetValueOrDefault("scheduler");
            if (scheduler is not null && savedScheduler != scheduler.GetType().Name)
                throw new InvalidDataException($"the file holds {(savedScheduler is null ? "no scheduler state" : $"the state of a {savedScheduler}")}, not of a {scheduler.GetType().Name}");
            optimizer.LoadStateDict(contents.Tensors, contents.Metadata);
            if (scheduler is not null)
                scheduler.LoadState(int.Parse(contents.Metadata["scheduler_last_epoch"], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is InvalidDataException or FormatException)
        {
            throw new InvalidDataException($"optimizer checkpoint '{path}': {e.Message}", e);
        }
    }
}

/// <summary><c>model.Save(path)</c> and <c>model.Load(path)</c> as shorthands for <see cref="Checkpoint"/>.</summary>
public static class ModuleCheckpointExtensions
{
    public static void Save(this Module module, string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        Checkpoint.Save(module, path, metadata);

    public static IReadOnlyDictionary<string, string> Load(this Module module, string path, bool strict = true) =>
        Checkpoint.Load(module, path, strict);
}
