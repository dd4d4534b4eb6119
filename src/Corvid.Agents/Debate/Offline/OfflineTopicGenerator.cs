namespace Corvid.Agents.Debate;

/// <summary>Picks one of the evidence base's topics, by seed.</summary>
public sealed class OfflineTopicGenerator(EvidenceBase evidence) : ITopicGenerator
{
    public Task<(string Motion, string? TopicId)> GenerateAsync(DebateSettings settings, NodeContext context)
    {
        var topics = evidence.Topics;
        var topic = topics[StableRandom.For(settings.Seed, "topic").Next(topics.Count)];
        return Task.FromResult<(string, string?)>((topic.Motion, topic.Id));
    }
}
