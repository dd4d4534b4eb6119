namespace Corvid.Agents.Debate;

/// <summary>The node names of the debate graph (Deb8flow's, shortened).</summary>
public static class DebateNodes
{
    public const string Topic = "generate_topic";
    public const string Pro = "pro_debater";
    public const string Con = "con_debater";
    public const string FactCheck = "fact_check";
    public const string Router = "fact_check_router";
    public const string Moderator = "moderator";
    public const string Judge = "judge";

    public static string Debater(string side) => side == Sides.Pro ? Pro : Con;
}
