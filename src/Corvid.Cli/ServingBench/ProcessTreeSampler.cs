using System.Globalization;

namespace Corvid.Cli.ServingBench;

/// <summary>
/// Samples CPU and resident memory of a process tree from /proc every 250 ms and keeps the peaks. CPU % is
/// per core as <c>top</c> shows it (200% = both cores of this machine busy). A short-lived process is counted
/// up to its last sample, so the CPU it spends in its final quarter second may be missed, never counted twice.
/// </summary>
internal sealed class ProcessTreeSampler : IAsyncDisposable
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly int _rootPid;
    private readonly bool _includeRoot;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <param name="rootPid">The tree's root.</param>
    /// <param name="includeRoot">False for "the root's children only" (the bench itself is the root of the job processes).</param>
    public ProcessTreeSampler(int rootPid, bool includeRoot)
    {
        _rootPid = rootPid;
        _includeRoot = includeRoot;
        _loop = Task.Run(LoopAsync);
    }

    public double PeakCpuPercent { get; private set; }
    public double PeakMemoryMb { get; private set; }
    public double TotalCpuSeconds { get; private set; }

    private async Task LoopAsync()
    {
        var start = CpuTicks();
        var last = start;
        var lastTime = DateTime.UtcNow;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var now = DateTime.UtcNow;
                var ticks = CpuTicks();
                var seconds = (now - lastTime).TotalSeconds;
                if (seconds > 0) PeakCpuPercent = Math.Max(PeakCpuPercent, 100.0 * (ticks - last) / TicksPerSecond / seconds);
                PeakMemoryMb = Math.Max(PeakMemoryMb, ResidentBytes() / 1048576.0);
                TotalCpuSeconds = (ticks - start) / TicksPerSecond;
                last = ticks;
                lastTime = now;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    // Last CPU ticks seen per process (pid and start time, against pid reuse). A process that has exited keeps
    // its last reading. Adding the root's cutime instead would race with the reaping of a child between two
    // reads of /proc and count its CPU twice in one window.
    private readonly Dictionary<(int Pid, long Start), long> _seen = new();

    private long CpuTicks()
    {
        var processes = Descendants(_rootPid);
        if (_includeRoot) processes.Add(_rootPid);
        foreach (var pid in processes)
        {
            if (ReadStat(pid) is { } s) _seen[(pid, s.StartTime)] = s.User + s.System;
        }
        return _seen.Values.Sum();
    }

    private long ResidentBytes()
    {
        long total = _includeRoot ? Rss(_rootPid) : 0;
        foreach (var pid in Descendants(_rootPid)) total += Rss(pid);
        return total;
    }

    private static long Rss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return 0;
    }

    private static List<int> Descendants(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            if (ReadStat(pid) is not { } stat) continue;
            if (!children.TryGetValue(stat.Parent, out var list)) children[stat.Parent] = list = [];
            list.Add(pid);
        }
        var result = new List<int>();
        var stack = new Stack<int>([root]);
        while (stack.Count > 0)
        {
            var pid = stack.Pop();
            if (!children.TryGetValue(pid, out var kids)) continue;
            foreach (var kid in kids)
            {
                result.Add(kid);
                stack.Push(kid);
            }
        }
        return result;
    }

    private readonly record struct Stat(int Parent, long User, long System, long StartTime);

    private static Stat? ReadStat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name, which is in parentheses and may hold spaces.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return new Stat(
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                long.Parse(fields[11], CultureInfo.InvariantCulture),
                long.Parse(fields[12], CultureInfo.InvariantCulture),
                long.Parse(fields[19], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
