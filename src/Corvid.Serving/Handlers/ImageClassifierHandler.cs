using System.Globalization;
using System.Text.Json.Nodes;
using Corvid.Serving.Tensors;

namespace Corvid.Serving.Handlers;

/// <summary>
/// <c>image-classifier</c>: softmax over the model's logits and the top 5 classes, answered as TorchServe's
/// image_classifier does: one JSON object mapping label to probability, most probable first.
/// </summary>
public sealed class ImageClassifierHandler : ImageHandlerBase
{
    public const int TopK = 5;

    public override string Name => "image-classifier";

    public override JsonNode Postprocess(IReadOnlyList<NamedTensor> outputs, HandlerContext context)
    {
        var logits = FirstOutputRow(outputs, context);
        var probabilities = Softmax(logits);
        var result = new JsonObject();
        foreach (var index in TopIndices(probabilities, TopK))
        {
            var label = index < context.Labels.Count ? context.Labels[index] : index.ToString(CultureInfo.InvariantCulture);
            // Two classes may share a label in a hand-written labels file; keep the more probable one.
            result.TryAdd(label, probabilities[index]);
        }
        return result;
    }

    public static float[] Softmax(ReadOnlySpan<float> logits)
    {
        var max = float.NegativeInfinity;
        foreach (var v in logits) max = Math.Max(max, v);
        var result = new float[logits.Length];
        double sum = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            var e = Math.Exp(logits[i] - max);
            result[i] = (float)e;
            sum += e;
        }
        for (var i = 0; i < result.Length; i++) result[i] = (float)(result[i] / sum);
        return result;
    }

    /// <summary>Indices of the <paramref name="k"/> largest values, largest first; ties keep the lower index first.</summary>
    public static int[] TopIndices(ReadOnlySpan<float> values, int k)
    {
        k = Math.Min(k, values.Length);
        var top = new List<int>(k + 1);
        for (var i = 0; i < values.Length; i++)
        {
            var position = top.Count;
            while (position > 0 && values[top[position - 1]] < values[i]) position--;
            if (position < k)
            {
                top.Insert(position, i);
                if (top.Count > k) top.RemoveAt(k);
            }
        }
        return top.ToArray();
    }
}
