using System.Text.Json;
using Corvid.Nn.Optim;
using Corvid.Tensors;

namespace Corvid.Nn.Tests.Optim;

/// <summary>
/// Optimizer trajectories against PyTorch: the same initial parameters and gradient sequence (one
/// step leaves a parameter without a gradient), compared after every step. Covers momentum,
/// dampening, Nesterov, weight decay (coupled and decoupled), AMSGrad, maximize, parameter groups
/// with their own options, and OneCycleLR driving the learning rate and momentum during the steps.
/// </summary>
public class OptimizerFixtureTests
{
    private const string File = "optim.safetensors";
    private static readonly string[] Names = ["p0", "p1"];

    public static IEnumerable<object[]> Configs() => NnFixtures.Cases(File);

    [Theory]
    [MemberData(nameof(Configs))]
    public void Trajectory_matches_pytorch(string config)
    {
        var meta = NnFixtures.Meta(File, config);
        var parameters = Names.ToDictionary(n => n, n => NnFixtures.Leaf(NnFixtures.Get(File, $"init.{n}")));
        var optimizer = Build(meta, parameters);
        LRScheduler? scheduler = meta.GetProperty("onecycle") is { ValueKind: JsonValueKind.Object } oc
            ? new OneCycleLR(optimizer, oc.GetProperty("max_lr").GetDouble(), totalSteps: oc.GetProperty("total_steps").GetInt32(),
                annealStrategy: oc.TryGetProperty("anneal_strategy", out var a) && a.GetString() == "linear" ? AnnealStrategy.Linear : AnnealStrategy.Cos)
            : null;

        int steps = meta.GetProperty("steps").GetInt32();
        for (int step = 0; step < steps; step++)
        {
            foreach (var (name, p) in parameters)
                p.Grad = NnFixtures.Find(File, $"grad{step}.{name}")?.Clone();
            optimizer.Step();
            scheduler?.Step();
            foreach (var (name, p) in parameters)
                Numerics.AssertClose(NnFixtures.Get(File, $"{config}.step{step}.{name}"), p, 1e-5, 1e-6, $"{config} {name} after step {step}");
        }
    }

    private static Optimizer Build(JsonElement meta, Dictionary<string, Tensor> parameters)
    {
        var kwargs = meta.GetProperty("kwargs");
        double Opt(string key, double fallback) => kwargs.TryGetProperty(key, out var v) ? v.GetDouble() : fallback;
        bool Flag(string key) => kwargs.TryGetProperty(key, out var v) && v.GetBoolean();
        (double, double)? betas = kwargs.TryGetProperty("betas", out var b) ? (b[0].GetDouble(), b[1].GetDouble()) : null;

        IEnumerable<ParamGroup> groups;
        if (meta.GetProperty("groups").ValueKind == JsonValueKind.Array)
        {
            groups = meta.GetProperty("groups").EnumerateArray().Select(g =>
            {
                var group = new ParamGroup(g[0].EnumerateArray().Select(n => parameters[n.GetString()!]));
                foreach (var option in g[1].EnumerateObject()) group[option.Name] = option.Value.GetDouble();
                return group;
            }).ToList();
        }
        else
        {
            groups = [new ParamGroup(Names.Select(n => parameters[n]))];
        }

        return meta.GetProperty("optimizer").GetString() switch
        {
            "SGD" => new SGD(groups, Opt("lr", double.NaN), Opt("momentum", 0), Opt("dampening", 0), Opt("weight_decay", 0), Flag("nesterov"), Flag("maximize")),
            "Adam" => new Adam(groups, Opt("lr", 1e-3), betas, Opt("eps", 1e-8), Opt("weight_decay", 0), Flag("amsgrad"), Flag("maximize")),
            "AdamW" => new AdamW(groups, Opt("lr", 1e-3), betas, Opt("eps", 1e-8), Opt("weight_decay", 1e-2), Flag("amsgrad"), Flag("maximize")),
            var other => throw new NotSupportedException(other),
        };
    }
}
