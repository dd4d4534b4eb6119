using System.IO.Compression;

namespace Corvid.Serving.Models;

/// <summary>
/// Unpacks a model zip (.zip or TorchServe-style .mar) into a folder. Every entry is checked before a
/// byte is written: no absolute paths, no '..' that climbs out, no symbolic links, and a cap on the
/// total size, so a hostile archive cannot write outside its target or fill the disk.
/// </summary>
public static class ModelArchive
{
    public const long DefaultMaxExtractedBytes = 4L << 30;

    public static void Extract(string archivePath, string targetDirectory, long maxExtractedBytes = DefaultMaxExtractedBytes)
    {
        var target = Path.GetFullPath(targetDirectory);
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(archivePath);
        }
        catch (InvalidDataException e)
        {
            throw new ModelLoadException($"archive '{archivePath}' is not a readable zip file: {e.Message}", e);
        }
        using (zip)
        {
            var planned = new List<(ZipArchiveEntry Entry, string Path)>();
            long total = 0;
            foreach (var entry in zip.Entries)
            {
                var destination = Path.GetFullPath(Path.Combine(target, entry.FullName));
                if (Path.IsPathRooted(entry.FullName) || !destination.StartsWith(target + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    throw new ModelLoadException($"archive '{archivePath}': entry '{entry.FullName}' would be written outside the target folder");
                }
                const int UnixFileTypeMask = 0xF000, UnixSymlink = 0xA000;
                if (((entry.ExternalAttributes >> 16) & UnixFileTypeMask) == UnixSymlink)
                {
                    throw new ModelLoadException($"archive '{archivePath}': entry '{entry.FullName}' is a symbolic link, which model archives may not contain");
                }
                total += entry.Length;
                if (total > maxExtractedBytes)
                {
                    throw new ModelLoadException($"archive '{archivePath}' unpacks to more than {maxExtractedBytes} bytes");
                }
                planned.Add((entry, destination));
            }

            Directory.CreateDirectory(target);
            foreach (var (entry, destination) in planned)
            {
                if (entry.FullName.EndsWith('/'))
                {
                    Directory.CreateDirectory(destination);
                    continue;
                }
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                try
                {
                    entry.ExtractToFile(destination, overwrite: true);
                }
                catch (InvalidDataException e)
                {
                    throw new ModelLoadException($"archive '{archivePath}': entry '{entry.FullName}' is corrupted: {e.Message}", e);
                }
            }
        }
    }
}
