namespace Corvid.Tensors;

/// <summary>
/// Einstein summation by permute + reshape + batched matmul. Operands are contracted left to right;
/// labels a later operand or the output still needs are kept, the others are summed away.
/// </summary>
public sealed partial class Tensor
{
    public static Tensor Einsum(string equation, params Tensor[] operands)
    {
        var (inputs, output) = ParseEinsum(equation, operands);
        var sizes = new Dictionary<char, int>();
        for (int i = 0; i < operands.Length; i++)
        {
            if (inputs[i].Length != operands[i].Rank)
                throw new ArgumentException($"einsum '{equation}': operand {i} has {operands[i].Rank} dims (shape {ShapeMath.Format(operands[i].shape)}) but its subscript '{inputs[i]}' names {inputs[i].Length}");
            if (inputs[i].Distinct().Count() != inputs[i].Length)
                throw new NotSupportedException($"einsum '{equation}': repeated label in '{inputs[i]}' (diagonals) is not supported");
            for (int d = 0; d < inputs[i].Length; d++)
            {
                char c = inputs[i][d];
                int size = operands[i].shape[d];
                if (sizes.TryGetValue(c, out var known) && known != size && known != 1 && size != 1)
                    throw new ArgumentException($"einsum '{equation}': label '{c}' has size {known} in one operand and {size} in operand {i}");
                sizes[c] = sizes.TryGetValue(c, out known) ? Math.Max(known, size) : size;
            }
        }
        foreach (var c in output)
            if (!sizes.ContainsKey(c)) throw new ArgumentException($"einsum '{equation}': output label '{c}' appears in no operand");

        var current = operands[0];
        var labels = inputs[0];
        for (int i = 1; i < operands.Length; i++)
        {
            var later = string.Concat(inputs.Skip(i + 1)) + output;
            (current, labels) = Contract(current, labels, operands[i], inputs[i], later);
        }
        return Finish(current, labels, output);
    }

    private static (string[] Inputs, string Output) ParseEinsum(string equation, Tensor[] operands)
    {
        var eq = equation.Replace(" ", "", StringComparison.Ordinal);
        var arrow = eq.IndexOf("->", StringComparison.Ordinal);
        var lhs = arrow >= 0 ? eq[..arrow] : eq;
        var inputs = lhs.Split(',');
        if (inputs.Length != operands.Length)
            throw new ArgumentException($"einsum '{equation}': {inputs.Length} subscripts for {operands.Length} operands");
        if (eq.Contains("...", StringComparison.Ordinal))
        {
            // Name the dims an ellipsis covers with fresh upper-case labels, then proceed as usual.
            int maxCovered = 0;
            for (int i = 0; i < inputs.Length; i++)
                if (inputs[i].Contains("...", StringComparison.Ordinal))
                    maxCovered = Math.Max(maxCovered, operands[i].Rank - (inputs[i].Length - 3));
            var fresh = new string(Enumerable.Range(0, maxCovered).Select(j => (char)('Z' - j)).Reverse().ToArray());
            for (int i = 0; i < inputs.Length; i++)
            {
                int covered = operands[i].Rank - (inputs[i].Length - 3);
                inputs[i] = inputs[i].Replace("...", fresh[(fresh.Length - Math.Max(covered, 0))..], StringComparison.Ordinal);
            }
            if (arrow >= 0) return (inputs, eq[(arrow + 2)..].Replace("...", fresh, StringComparison.Ordinal));
            return (inputs, fresh + ImplicitOutput(inputs).Replace(fresh, "", StringComparison.Ordinal));
        }
        return (inputs, arrow >= 0 ? eq[(arrow + 2)..] : ImplicitOutput(inputs));
    }

    /// <summary>Without "->", the output is every label that appears once, in alphabetical order.</summary>
    private static string ImplicitOutput(string[] inputs) =>
        new(string.Concat(inputs).GroupBy(c => c).Where(g => g.Count() == 1).Select(g => g.Key).Order().ToArray());

    /// <summary>Sums away the labels of <paramref name="t"/> that are not in <paramref name="keep"/>.</summary>
    private static (Tensor, string) SumAway(Tensor t, string labels, string keep)
    {
        var dims = Enumerable.Range(0, labels.Length).Where(d => !keep.Contains(labels[d])).ToArray();
        if (dims.Length == 0) return (t, labels);
        return (t.Sum(dims), new string(labels.Where(c => keep.Contains(c)).ToArray()));
    }

    private static (Tensor, string) Contract(Tensor a, string la, Tensor b, string lb, string later)
    {
        (a, la) = SumAway(a, la, lb + later);
        (b, lb) = SumAway(b, lb, la + later);
        var batch = la.Where(c => lb.Contains(c) && later.Contains(c)).ToArray();
        var contract = la.Where(c => lb.Contains(c) && !later.Contains(c)).ToArray();
        var left = la.Where(c => !lb.Contains(c)).ToArray();
        var right = lb.Where(c => !la.Contains(c)).ToArray();

        var ap = a.Permute([.. batch.Concat(left).Concat(contract).Select(c => la.IndexOf(c))]);
        var bp = b.Permute([.. batch.Concat(contract).Concat(right).Select(c => lb.IndexOf(c))]);
        int nb = batch.Length, nl = left.Length, nc = contract.Length;
        var batchShape = new int[nb];
        for (int i = 0; i < nb; i++) batchShape[i] = Math.Max(ap.shape[i], bp.shape[i]);
        var contractShape = new int[nc];
        for (int i = 0; i < nc; i++) contractShape[i] = Math.Max(ap.shape[nb + nl + i], bp.shape[nb + i]);
        ap = ap.Expand([.. batchShape, .. ap.shape[nb..(nb + nl)], .. contractShape]);
        bp = bp.Expand([.. batchShape, .. contractShape, .. bp.shape[(nb + nc)..]]);

        var leftShape = ap.shape[nb..(nb + nl)];
        var rightShape = bp.shape[(nb + nc)..];
        int bn = ShapeMath.Numel(batchShape), ln = ShapeMath.Numel(leftShape), cn = ShapeMath.Numel(contractShape), rn = ShapeMath.Numel(rightShape);
        var product = ap.Reshape(bn, ln, cn).Bmm(bp.Reshape(bn, cn, rn));
        var result = product.Reshape([.. batchShape, .. leftShape, .. rightShape]);
        return (result, new string([.. batch, .. left, .. right]));
    }

    private static Tensor Finish(Tensor t, string labels, string output)
    {
        (t, labels) = SumAway(t, labels, output);
        var perm = output.Select(c => labels.IndexOf(c)).ToArray();
        return perm.SequenceEqual(Enumerable.Range(0, perm.Length)) ? t : t.Permute(perm);
    }
}
