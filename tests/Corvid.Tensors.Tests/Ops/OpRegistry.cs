using System.Text.Json;

namespace Corvid.Tensors.Tests.Ops;

/// <summary>Each fixture op name, as the Corvid call that must match PyTorch's.</summary>
internal static class OpRegistry
{
    public delegate Tensor[] Op(IReadOnlyDictionary<string, Tensor> x, JsonElement p);

    private static int I(JsonElement p, string name) => p.GetProperty(name).GetInt32();
    private static float Fl(JsonElement p, string name) => (float)p.GetProperty(name).GetDouble();
    private static bool B(JsonElement p, string name) => p.GetProperty(name).GetBoolean();
    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();
    private static int[]? Dims(JsonElement p) => p.GetProperty("dims").ValueKind == JsonValueKind.Null ? null : Ints(p.GetProperty("dims"));

    private static (int, int) Pair(JsonElement p, string name)
    {
        var e = p.GetProperty(name);
        return e.ValueKind == JsonValueKind.Array ? (e[0].GetInt32(), e[1].GetInt32()) : (e.GetInt32(), e.GetInt32());
    }

    private static Reduction Red(JsonElement p) => p.GetProperty("reduction").GetString() switch
    {
        "mean" => Reduction.Mean,
        "sum" => Reduction.Sum,
        _ => Reduction.None,
    };

    private static Tensor? Opt(IReadOnlyDictionary<string, Tensor> x, string name) => x.TryGetValue(name, out var t) ? t : null;

    private static Tensor[] One(Tensor t) => [t];

    public static readonly Dictionary<string, Op> Ops = new()
    {
        ["add"] = (x, _) => One(x["a"] + x["b"]),
        ["sub"] = (x, _) => One(x["a"] - x["b"]),
        ["mul"] = (x, _) => One(x["a"] * x["b"]),
        ["div"] = (x, _) => One(x["a"] / x["b"]),
        ["pow"] = (x, _) => One(x["a"].Pow(x["b"])),
        ["pow_scalar"] = (x, p) => One(x["a"].Pow(Fl(p, "exponent"))),
        ["maximum"] = (x, _) => One(x["a"].Maximum(x["b"])),
        ["minimum"] = (x, _) => One(x["a"].Minimum(x["b"])),
        ["neg"] = (x, _) => One(-x["a"]),
        ["exp"] = (x, _) => One(x["a"].Exp()),
        ["log"] = (x, _) => One(x["a"].Log()),
        ["sqrt"] = (x, _) => One(x["a"].Sqrt()),
        ["rsqrt"] = (x, _) => One(x["a"].Rsqrt()),
        ["abs"] = (x, _) => One(x["a"].Abs()),
        ["tanh"] = (x, _) => One(x["a"].Tanh()),
        ["sigmoid"] = (x, _) => One(x["a"].Sigmoid()),
        ["relu"] = (x, _) => One(x["a"].Relu()),
        ["erf"] = (x, _) => One(x["a"].Erf()),
        ["sin"] = (x, _) => One(x["a"].Sin()),
        ["cos"] = (x, _) => One(x["a"].Cos()),
        ["clamp"] = (x, p) => One(x["a"].Clamp(
            p.TryGetProperty("min", out var mn) ? (float)mn.GetDouble() : null,
            p.TryGetProperty("max", out var mx) ? (float)mx.GetDouble() : null)),
        ["gelu"] = (x, p) => One(F.Gelu(x["a"], p.GetProperty("approximate").GetString()!)),
        ["silu"] = (x, _) => One(F.Silu(x["a"])),
        ["elu"] = (x, p) => One(F.Elu(x["a"], Fl(p, "alpha"))),
        ["leaky_relu"] = (x, p) => One(F.LeakyRelu(x["a"], Fl(p, "slope"))),
        ["softplus"] = (x, _) => One(F.Softplus(x["a"])),
        ["where"] = (x, _) => One(Tensor.Where(x["cond"], x["a"], x["b"])),
        ["masked_fill"] = (x, p) => One(x["a"].MaskedFill(x["mask"], Fl(p, "value"))),
        ["compare"] = (x, _) => [x["a"].Eq(x["b"]), x["a"].Ne(x["b"]), x["a"].Lt(x["b"]), x["a"].Le(x["b"]), x["a"].Gt(x["b"]), x["a"].Ge(x["b"])],

        ["sum"] = (x, p) => One(Dims(p) is { } d ? x["a"].Sum(d, B(p, "keepdim")) : x["a"].Sum()),
        ["mean"] = (x, p) => One(Dims(p) is { } d ? x["a"].Mean(d, B(p, "keepdim")) : x["a"].Mean()),
        ["var"] = (x, p) => One(x["a"].Var(Dims(p)!, I(p, "correction"), B(p, "keepdim"))),
        ["std"] = (x, p) => One(x["a"].Std(Dims(p)!, I(p, "correction"), B(p, "keepdim"))),
        ["max_dim"] = (x, p) => { var (v, i) = x["a"].Max(I(p, "dim"), B(p, "keepdim")); return [v, i]; },
        ["min_dim"] = (x, p) => { var (v, i) = x["a"].Min(I(p, "dim"), B(p, "keepdim")); return [v, i]; },
        ["argmax"] = (x, p) => One(x["a"].Argmax(I(p, "dim"), B(p, "keepdim"))),
        ["logsumexp"] = (x, p) => One(x["a"].LogSumExp(Dims(p)!, B(p, "keepdim"))),
        ["softmax"] = (x, p) => One(x["a"].Softmax(I(p, "dim"))),
        ["log_softmax"] = (x, p) => One(x["a"].LogSoftmax(I(p, "dim"))),
        ["topk"] = (x, p) => { var (v, i) = x["a"].TopK(I(p, "k"), I(p, "dim"), B(p, "largest")); return [v, i]; },

        ["matmul"] = (x, _) => One(x["a"].Matmul(x["b"])),
        ["bmm"] = (x, _) => One(x["a"].Bmm(x["b"])),
        ["einsum"] = (x, p) => One(Tensor.Einsum(p.GetProperty("equation").GetString()!, x.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value).ToArray())),

        ["gather"] = (x, p) => One(x["a"].Gather(I(p, "dim"), x["index"])),
        ["scatter_add"] = (x, p) => One(x["a"].ScatterAdd(I(p, "dim"), x["index"], x["src"])),
        ["index_select"] = (x, p) => One(x["a"].IndexSelect(I(p, "dim"), x["index"])),
        ["embedding"] = (x, p) => One(F.Embedding(x["ids"], x["weight"], p.TryGetProperty("padding_idx", out var pad) ? pad.GetInt32() : null)),
        ["cat"] = (x, p) => One(Tensor.Cat(x.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value).ToList(), I(p, "dim"))),
        ["stack"] = (x, p) => One(Tensor.Stack(x.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value).ToList(), I(p, "dim"))),
        ["split"] = (x, p) => x["a"].Split(I(p, "size"), I(p, "dim")),
        ["chunk"] = (x, p) => x["a"].Chunk(I(p, "chunks"), I(p, "dim")),
        ["view_ops"] = (x, p) =>
        {
            var a = x["a"];
            var n = Ints(p.GetProperty("narrow"));
            return [a.Reshape(Ints(p.GetProperty("shape"))), a.Permute(Ints(p.GetProperty("perm"))).Contiguous(), a.Unsqueeze(1).Squeeze(1), a.Narrow(n[0], n[1], n[2]), a.Flatten(1)];
        },

        ["conv1d"] = (x, p) => One(F.Conv1d(x["x"], x["w"], Opt(x, "b"), I(p, "stride"), I(p, "padding"), I(p, "dilation"), I(p, "groups"))),
        ["conv2d"] = (x, p) => One(F.Conv2d(x["x"], x["w"], Opt(x, "b"), Pair(p, "stride"), Pair(p, "padding"), Pair(p, "dilation"), I(p, "groups"))),
        ["conv_transpose1d"] = (x, p) => One(F.ConvTranspose1d(x["x"], x["w"], Opt(x, "b"), I(p, "stride"), I(p, "padding"), I(p, "output_padding"), I(p, "groups"), I(p, "dilation"))),
        ["conv_transpose2d"] = (x, p) => One(F.ConvTranspose2d(x["x"], x["w"], Opt(x, "b"), Pair(p, "stride"), Pair(p, "padding"), Pair(p, "output_padding"), I(p, "groups"), Pair(p, "dilation"))),
        ["max_pool2d"] = (x, p) => One(F.MaxPool2d(x["x"], Pair(p, "kernel"), Pair(p, "stride"), Pair(p, "padding"), Pair(p, "dilation"), B(p, "ceil_mode"))),
        ["avg_pool2d"] = (x, p) => One(F.AvgPool2d(x["x"], Pair(p, "kernel"), Pair(p, "stride"), Pair(p, "padding"), B(p, "count_include_pad"))),
        ["adaptive_avg_pool2d"] = (x, p) => One(F.AdaptiveAvgPool2d(x["x"], Pair(p, "size"))),
        ["interpolate"] = (x, p) => One(F.Interpolate(x["x"],
            p.TryGetProperty("size", out var size) ? (size[0].GetInt32(), size[1].GetInt32()) : null,
            p.TryGetProperty("scale", out var scale) ? scale.GetDouble() : null,
            p.GetProperty("mode").GetString()!,
            p.TryGetProperty("align_corners", out var ac) && ac.GetBoolean())),

        ["layer_norm"] = (x, p) => One(F.LayerNorm(x["x"], Ints(p.GetProperty("shape")), Opt(x, "w"), Opt(x, "b"), Fl(p, "eps"))),
        ["batch_norm_train"] = (x, p) =>
        {
            var rm = x["rm"].Clone();
            var rv = x["rv"].Clone();
            var y = F.BatchNorm(x["x"], rm, rv, Opt(x, "w"), Opt(x, "b"), training: true, Fl(p, "momentum"), Fl(p, "eps"));
            return [y, rm, rv];
        },
        ["add_relu"] = (x, _) => One(F.AddRelu(x["a"], x["b"])),
        ["conv_bn_eval"] = (x, p) =>
        {
            var (w, b) = F.FuseConvBnWeights(x["w"], Opt(x, "cb"), x["rm"], x["rv"], x["g"], x["b"], Fl(p, "eps"));
            return One(F.Conv2d(x["x"], w, b, Pair(p, "stride"), Pair(p, "padding")));
        },
        ["batch_norm_eval"] = (x, p) => One(F.BatchNorm(x["x"], x["rm"], x["rv"], Opt(x, "w"), Opt(x, "b"), training: false, eps: Fl(p, "eps"))),
        ["group_norm"] = (x, p) => One(F.GroupNorm(x["x"], I(p, "groups"), Opt(x, "w"), Opt(x, "b"), Fl(p, "eps"))),

        ["cross_entropy"] = (x, p) => One(F.CrossEntropy(x["logits"], x["target"], Opt(x, "weight"), I(p, "ignore_index"), Red(p), Fl(p, "label_smoothing"))),
        ["bce_with_logits"] = (x, p) => One(F.BinaryCrossEntropyWithLogits(x["x"], x["y"], Opt(x, "weight"), Opt(x, "pos_weight"), Red(p))),
        ["mse"] = (x, p) => One(F.MseLoss(x["a"], x["b"], Red(p))),
        ["l1"] = (x, p) => One(F.L1Loss(x["a"], x["b"], Red(p))),
        ["cosine_similarity"] = (x, p) => One(F.CosineSimilarity(x["a"], x["b"], I(p, "dim"), Fl(p, "eps"))),
        ["linear"] = (x, _) => One(F.Linear(x["x"], x["w"], Opt(x, "b"))),
        ["sdpa"] = (x, p) => One(F.ScaledDotProductAttention(x["q"], x["k"], x["v"], Opt(x, "mask"), p.TryGetProperty("causal", out var c) && c.GetBoolean())),
    };
}
