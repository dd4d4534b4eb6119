using System.Text.Json;

namespace Corvid.Agents;

/// <summary>The stored shape of a task's result: its field writes and where its command went.</summary>
internal sealed record TaskResultPayload(Dictionary<string, JsonElement> Writes, List<string> Goto, List<SendPayload> Sends);

internal sealed record SendPayload(string Node, JsonElement Input);

internal sealed record InterruptPayload(int Index, JsonElement Value);

/// <summary>Reads the task writes of a step that did not complete: which tasks finished, which wait for input.</summary>
internal static class PendingWrites
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static JsonElement ToJson<T>(T payload) => JsonSerializer.SerializeToElement(payload, Json);

    public static T FromJson<T>(JsonElement json) => json.Deserialize<T>(Json)!;

    public static Dictionary<string, TaskResultPayload> Results(IEnumerable<TaskWrite> writes) =>
        writes.Where(w => w.Kind == TaskWrite.Result)
            .GroupBy(w => w.TaskId)
            .ToDictionary(g => g.Key, g => FromJson<TaskResultPayload>(g.First().Payload));

    public static List<JsonElement> ResumeValues(IEnumerable<TaskWrite> writes, string taskId) =>
        writes.Where(w => w.Kind == TaskWrite.ResumeKind && w.TaskId == taskId).Select(w => w.Payload).ToList();

    /// <summary>Interrupts still waiting: a task's latest interrupt that no resume value answers yet.</summary>
    public static IReadOnlyList<Interrupt> Interrupts(Checkpoint checkpoint, IReadOnlyList<TaskWrite> writes)
    {
        var finished = Results(writes).Keys.ToHashSet();
        var pending = new List<Interrupt>();
        foreach (var task in checkpoint.Next.Where(t => !finished.Contains(t.Id)))
        {
            var answered = ResumeValues(writes, task.Id).Count;
            var latest = writes.Where(w => w.Kind == TaskWrite.InterruptKind && w.TaskId == task.Id)
                .Select(w => FromJson<InterruptPayload>(w.Payload))
                .Where(p => p.Index >= answered)
                .OrderBy(p => p.Index)
                .LastOrDefault();
            if (latest is not null) pending.Add(new Interrupt($"{task.Id}#{latest.Index}", task.Node, latest.Index, latest.Value));
        }
        return pending;
    }
}
