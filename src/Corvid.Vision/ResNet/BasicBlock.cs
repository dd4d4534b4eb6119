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
    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly Conv2d _conv2;
    private readonly BatchNorm2d _bn2;
    private readonly Sequential? _downsample;

    public BasicBlock(int inChannels, int outChannels, int stride)
    {
        _conv1 = RegisterModule("conv1", new Conv2d(inChannels, outChannels, 3, stride, padding: 1, bias: false));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(outChannels));
        _conv2 = RegisterModule("conv2", new Conv2d(outChannels, outChannels, 3, 1, padding: 1, bias: false));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(outChannels));
        if (stride != 1 || inChannels != outChannels)
        {
            _downsample = RegisterModule("downsample", new Sequential(
                new Conv2d(inChannels, outChannels, 1, stride, bias: false),
                new BatchNorm2d(outChannels)));
        }
    }

    public bool HasDownsample => _downsample is not null;

    public override Tensor Forward(Tensor x)
    {
        // x: (N, C_in, H, W); s = stride
        var identity = _downsample is null ? x : _downsample.Forward(x); // (N, C_out, H/s, W/s)
        var y = _bn1.Forward(_conv1.Forward(x)).Relu();                  // (N, C_out, H/s, W/s)
        y = _bn2.Forward(_conv2.Forward(y));                              // (N, C_out, H/s, W/s)
        return (y + identity).Relu();                                     // (N, C_out, H/s, W/s)
    }
}
