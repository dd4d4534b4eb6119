using Microsoft.Extensions.AI;

namespace Corvid.Agents.Debate;

/// <summary>Makes the team a debate's settings ask for: offline roles (the default) or LLM ones, and a person on one side.</summary>
public static class DebateTeams
{
    public static readonly IReadOnlyList<string> Providers = ["offline", "openai"];

    /// <param name="chatClient">The model every LLM role talks to; required when the provider is not offline.</param>
    public static DebateTeam Create(DebateSettings settings, IChatClient? chatClient = null)
    {
        DebateTeam team;
        if (settings.Provider == "offline")
        {
            var evidence = EvidenceBase.Default;
            team = new DebateTeam(new OfflineTopicGenerator(evidence), new OfflineDebater(evidence), new OfflineDebater(evidence),
                new OfflineFactChecker(evidence), new OfflineJudge(evidence), UsesLlm: false);
        }
        else if (settings.Provider == "openai")
        {
            var client = new TracedChatClient(chatClient ?? throw new ArgumentNullException(nameof(chatClient), "the openai provider needs a chat client"));
            team = new DebateTeam(new LlmTopicGenerator(client), new LlmDebater(client), new LlmDebater(client),
                new LlmFactChecker(client), new LlmJudge(client), UsesLlm: true);
        }
        else
        {
            throw new ArgumentException($"unknown provider '{settings.Provider}' (known: {string.Join(", ", Providers)})");
        }
        return settings.HumanSide switch
        {
            Sides.Pro => team with { Pro = new HumanDebater() },
            Sides.Con => team with { Con = new HumanDebater() },
            null => team,
            var other => throw new ArgumentException($"--human must be pro or con, got '{other}'"),
        };
    }
}
