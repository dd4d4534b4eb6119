namespace Corvid.Tensors.Tests;

/// <summary>Bad input gets an exception that names the op and the shapes or values, never a crash.</summary>
public class ErrorMessageTests
{
    [Fact]
    public void Broadcast_error_names_the_op_and_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3) + Tensor.Zeros(4, 3));
        Assert.Contains("add", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4, 3]", e.Message);
    }

    [Fact]
    public void Matmul_error_names_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Matmul(Tensor.Zeros(4, 5)));
        Assert.Contains("matmul", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4, 5]", e.Message);
    }

    [Fact]
    public void Conv_error_names_the_channel_counts()
    {
        var e = Assert.Throws<ArgumentException>(() => F.Conv2d(Tensor.Zeros(1, 3, 8, 8), Tensor.Zeros(2, 4, 3, 3)));
        Assert.Contains("conv2d", e.Message);
        Assert.Contains("3 channels", e.Message);
        Assert.Contains("expects 4", e.Message);
    }

    [Fact]
    public void Dtype_mismatch_names_the_dtypes()
    {
        var ids = Tensor.FromArray(new long[] { 1, 2 });
        var e = Assert.Throws<ArgumentException>(() => ids + Tensor.Zeros(2));
        Assert.Contains("float32", e.Message);
        Assert.Contains("int64", e.Message);
    }

    [Fact]
    public void View_of_wrong_size_names_the_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).View(4, 2));
        Assert.Contains("[4, 2]", e.Message);
        Assert.Contains("[2, 3]", e.Message);
    }

    [Fact]
    public void Gather_index_out_of_range_names_the_index()
    {
        var e = Assert.Throws<IndexOutOfRangeException>(() => Tensor.Zeros(2, 3).Gather(1, Tensor.FromArray(new long[] { 0, 7 }, 2, 1)));
        Assert.Contains("7", e.Message);
        Assert.Contains("size 3", e.Message);
    }

    [Fact]
    public void Cross_entropy_target_out_of_range_names_it()
    {
        var e = Assert.Throws<ArgumentException>(() => F.CrossEntropy(Tensor.Zeros(2, 3), Tensor.FromArray(new long[] { 0, 5 })));
        Assert.Contains("5", e.Message);
        Assert.Contains("3 classes", e.Message);
    }

    [Fact]
    public void Reducing_an_empty_dim_with_max_is_an_error_not_a_crash()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(0, 3).Max(0));
        Assert.Contains("size 0", e.Message);
    }

    [Fact]
    public void Sum_and_mean_of_empty_tensors_follow_pytorch()
    {
        Assert.Equal(0f, Tensor.Zeros(0, 3).Sum().Item());
        Assert.True(float.IsNaN(Tensor.Zeros(0).Mean().Item()));
    }

    [Fact]
    public void Dim_out_of_range_names_the_rank()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 3).Softmax(2));
        Assert.Contains("rank 2", e.Message);
    }

    [Fact]
    public void Truncated_safetensors_file_is_a_clear_error()
    {
        var path = Path.Combine(Path.GetTempPath(), $"corvid-trunc-{Guid.NewGuid():N}.safetensors");
        try
        {
            IO.SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = Tensor.Ones(10, 10) });
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(bytes.Length - 17)]);
            var e = Assert.Throws<InvalidDataException>(() => IO.SafeTensors.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("'w'", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Corrupted_safetensors_header_is_a_clear_error()
    {
        var bytes = new byte[64];
        BitConverter.GetBytes(40L).CopyTo(bytes, 0);
        "{\"w\": {\"dtype\": \"F32\", \"shape\": [2, ".Select(c => (byte)c).ToArray().CopyTo(bytes, 8);
        var e = Assert.Throws<InvalidDataException>(() => IO.SafeTensors.Parse(bytes, "broken.safetensors"));
        Assert.Contains("broken.safetensors", e.Message);
    }
}
