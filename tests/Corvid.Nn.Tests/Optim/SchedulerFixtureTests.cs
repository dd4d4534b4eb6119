using System.Text.Json;
using Corvid.Nn.Optim;
using Corvid.Tensors;

namespace Corvid.Nn.Tests.Optim;

/// <summary>
/// Learning-rate (and momentum) sequences against PyTorch 1.13 over 30 steps, compared to 1e-12
/// relative: both sides compute the same recursive formulas in double precision. OneCycleLR covers
/// cos and linear annealing, three phases, epochs × steps, per-group max_lr and Adam's beta1.
/// </summary>
public class SchedulerFixtureTests
{
    private static readonly JsonElement All = NnFixtures.Json("schedulers.json");

    private static readonly Dictionary<string, Func<int, double>> Lambdas = new()
    {
        ["pow_0_95"] = e => Math.Pow(0.95, e),
        ["warmup_5"] = e => Math.Min(1.0, (e + 1) / 5.0),
    };

    public static IEnumerable<object[]> Cases() => All.EnumerateObject().Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Learning_rates_match_pytorch(string name)
    {
        var c = All.GetProperty(name);
        var lrs = c.GetProperty("lrs").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var groups = lrs.Select(lr => new ParamGroup([Tensor.Zeros(2).RequiresGrad_()]) { ["lr"] = lr }).ToList();
        Optimizer optimizer = c.GetProperty("optimizer").GetString() == "SGD"
            ? new SGD(groups, lrs[0], momentum: 0.9)
            : new Adam(groups, lrs[0]);
        var scheduler = Build(c.GetProperty("scheduler").GetString()!, c.GetProperty("kwargs"), optimizer);
        string momentumOption = optimizer is SGD ? "momentum" : "beta1";

        var expectedLr = c.GetProperty("lr");
        var expectedMomentum = c.GetProperty("momentum");
        int steps = c.GetProperty("steps").GetInt32();
        for (int step = 0; step <= steps; step++)
        {
            if (step > 0)
            {
                optimizer.Step();
                scheduler.Step();
            }
            for (int g = 0; g < groups.Count; g++)
            {
                AssertSame(expectedLr[step][g].GetDouble(), scheduler.GetLastLr()[g], $"{name} lr of group {g} at step {step}");
                AssertSame(expectedLr[step][g].GetDouble(), optimizer.ParamGroups[g].Lr, $"{name} group {g} lr at step {step}");
                AssertSame(expectedMomentum[step][g].GetDouble(), optimizer.ParamGroups[g][momentumOption], $"{name} momentum of group {g} at step {step}");
            }
        }
        Assert.Equal(steps, scheduler.LastEpoch);
        if (c.GetProperty("raises_next").GetBoolean())
            Assert.Throws<InvalidOperationException>(scheduler.Step);
        else
            scheduler.Step();
    }

    private static void AssertSame(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-12 * Math.Abs(expected) + 1e-15, $"{what}: expected {expected:R}, got {actual:R}");

    private static LRScheduler Build(string kind, JsonElement k, Optimizer optimizer)
    {
        double D(string key, double fallback) => k.TryGetProperty(key, out var v) ? v.GetDouble() : fallback;
        int? I(string key) => k.TryGetProperty(key, out var v) ? v.GetInt32() : null;
        bool B(string key, bool fallback) => k.TryGetProperty(key, out var v) ? v.GetBoolean() : fallback;
        switch (kind)
        {
            case "StepLR": return new StepLR(optimizer, I("step_size")!.Value, D("gamma", 0.1));
            case "CosineAnnealingLR": return new CosineAnnealingLR(optimizer, I("T_max")!.Value, D("eta_min", 0));
            case "LinearLR": return new LinearLR(optimizer, D("start_factor", 1.0 / 3), D("end_factor", 1.0), I("total_iters") ?? 5);
            case "LambdaLR": return new LambdaLR(optimizer, Lambdas[k.GetProperty("lr_lambda").GetString()!]);
            case "OneCycleLR":
            {
                var strategy = k.TryGetProperty("anneal_strategy", out var s) && s.GetString() == "linear" ? AnnealStrategy.Linear : AnnealStrategy.Cos;
                var maxLr = k.GetProperty("max_lr");
                double[] maxLrs = maxLr.ValueKind == JsonValueKind.Array
                    ? maxLr.EnumerateArray().Select(e => e.GetDouble()).ToArray()
                    : Enumerable.Repeat(maxLr.GetDouble(), optimizer.ParamGroups.Count).ToArray();
                return new OneCycleLR(optimizer, maxLrs, I("total_steps"), I("epochs"), I("steps_per_epoch"), D("pct_start", 0.3), strategy,
                    B("cycle_momentum", true), D("base_momentum", 0.85), D("max_momentum", 0.95), D("div_factor", 25.0), D("final_div_factor", 1e4),
                    B("three_phase", false));
            }
            default: throw new NotSupportedException(kind);
        }
    }
}
