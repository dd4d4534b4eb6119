using Corvid.Nn;
using Corvid.Tensors;

namespace Corvid.Vision;

/// <summary>
/// ResNet's two-convolution residual block, as torchvision's <c>BasicBlock</c> (same parameter names):
/// out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), where the shortcut is x itself, or a
/// strided 1x1 convolution with batch norm ("downsample") when the block changes size or width.
/// </summary>
public sealed class BasicBlock : Module<Tensor, Tensor>
{
    private readonly ConvBnFold _main1;
    private readonly ConvBnFold _main2;
    private readonly ConvBnFold? _shortcut;

    public BasicBlock(int inChannels, int outChannels, int stride)
    {
        var conv1 = RegisterModule("conv1", new Conv2d(inChannels, outChannels, 3, stride, padding: 1, bias: false));
        var bn1 = RegisterModule("bn1", new BatchNorm2d(outChannels));
        var conv2 = RegisterModule("conv2", new Conv2d(outChannels, outChannels, 3, 1, padding: 1, bias: false));
        var bn2 = RegisterModule("bn2", new BatchNorm2d(outChannels));
        _main1 = new ConvBnFold(conv1, bn1);
        _main2 = new ConvBnFold(conv2, bn2);
        if (stride != 1 || inChannels != outChannels)
        {
            var conv = new Conv2d(inChannels, outChannels, 1, stride, bias: false);
            var bn = new BatchNorm2d(outChannels);
            RegisterModule("downsample", new Sequential(conv, bn));
            _shortcut = new ConvBnFold(conv, bn);
        }
    }

    public bool HasDownsample => _shortcut is not null;

    public override Tensor Forward(Tensor x)
    {
        // x: (N, C_in, H, W); s = stride. In eval mode each conv+bn pair runs as one folded convolution,
        // and the ReLUs write into the fresh convolution outputs (see ConvBnFold).
        var identity = _shortcut is null ? x : _shortcut.Forward(x); // (N, C_out, H/s, W/s)
        var y = ConvBnFold.Relu(_main1.Forward(x));                   // (N, C_out, H/s, W/s)
        y = _main2.Forward(y);                                         // (N, C_out, H/s, W/s)
        return ConvBnFold.AddRelu(y, identity);                        // (N, C_out, H/s, W/s)
    }
}
