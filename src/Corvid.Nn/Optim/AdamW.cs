using Corvid.Tensors;

namespace Corvid.Nn.Optim;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter), exactly as <c>torch.optim.AdamW</c>:
/// p = p·(1 − lr·λ) before the Adam update, instead of adding λ·p to the gradient.
/// </summary>
public sealed class AdamW : Adam
{
    protected override bool DecoupledWeightDecay => true;

    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(parameters, lr, betas, eps, weightDecay, amsgrad, maximize)
    {
    }

    public AdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(groups, lr, betas, eps, weightDecay, amsgrad, maximize)
    {
    }
}
