using System.Net;
using System.Text.Json.Nodes;

namespace Corvid.Server.Tests;

/// <summary>The KServe v2 / Triton HTTP JSON protocol against a live server.</summary>
public class KServeApiTests(SharedServerFixture fixture) : IClassFixture<SharedServerFixture>
{
    private LiveServer Live => fixture.Live;

    [Fact]
    public async Task Health_live_and_ready_are_200()
    {
        Assert.Equal(HttpStatusCode.OK, (await Live.Client.GetAsync("/v2/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Live.Client.GetAsync("/v2/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Server_and_model_metadata_follow_the_protocol()
    {
        var server = JsonNode.Parse(await Live.Client.GetStringAsync("/v2"))!;
        Assert.Equal("corvid", server["name"]!.GetValue<string>());

        var model = JsonNode.Parse(await Live.Client.GetStringAsync("/v2/models/resnet18"))!;
        Assert.Equal("resnet18", model["name"]!.GetValue<string>());
        Assert.Equal("onnxruntime_onnx", model["platform"]!.GetValue<string>());
        Assert.Equal("[\"1.0\"]", model["versions"]!.ToJsonString());
        Assert.Equal("""[{"name":"image","datatype":"FP32","shape":[-1,3,224,224]}]""", model["inputs"]!.ToJsonString());
        Assert.Equal("""[{"name":"embedding","datatype":"FP32","shape":[-1,512]}]""", model["outputs"]!.ToJsonString());

        Assert.Equal(HttpStatusCode.OK, (await Live.Client.GetAsync("/v2/models/resnet18/versions/1.0/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Live.Client.GetAsync("/v2/models/junk/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Live.Client.GetAsync("/v2/models/nope")).StatusCode);
    }

    [Fact]
    public async Task Infer_takes_and_returns_json_tensors_with_the_batch_in_the_shape()
    {
        // The request as Triton's documentation shows it: nested data is accepted as well as flat.
        const string request = """
            {"id": "42", "inputs": [{"name": "x", "shape": [2, 4], "datatype": "FP32", "data": [[1, 2, 3, 4], [5, 6, 7, 8]]}],
             "outputs": [{"name": "y"}]}
            """;
        var response = await Live.PostJsonAsync("/v2/models/add-one/versions/1.0/infer", request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("add-one", body["model_name"]!.GetValue<string>());
        Assert.Equal("42", body["id"]!.GetValue<string>());
        var output = body["outputs"]![0]!;
        Assert.Equal("y", output["name"]!.GetValue<string>());
        Assert.Equal("FP32", output["datatype"]!.GetValue<string>());
        Assert.Equal("[2,4]", output["shape"]!.ToJsonString());
        Assert.Equal("[2,3,4,5,6,7,8,9]", output["data"]!.ToJsonString());
    }

    [Theory]
    [InlineData("""{"inputs": [{"name": "x", "shape": [1, 4], "data": [1, 2, 3, 4]}]}""", "inputs[0].datatype")]
    [InlineData("""{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP99", "data": [1, 2, 3, 4]}]}""", "FP99")]
    [InlineData("""{"inputs": [{"name": "x", "shape": [1, 5], "datatype": "FP32", "data": [1, 2, 3, 4, 5]}]}""", "inputs[0].shape")]
    [InlineData("""{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3]}]}""", "inputs[0].data")]
    [InlineData("""{"inputs": [{"name": "q", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}""", "inputs[0].name")]
    [InlineData("""{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, "2", 3, 4]}]}""", "inputs[0].data")]
    [InlineData("""{"outputs": []}""", "inputs")]
    [InlineData("""{"inputs": [""", "not valid JSON")]
    public async Task Malformed_requests_are_400_naming_the_field(string request, string field)
    {
        var response = await Live.PostJsonAsync("/v2/models/add-one/infer", request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>();
        Assert.Contains(field, error);
    }

    [Fact]
    public async Task Infer_on_an_unknown_model_is_404_with_an_error_field()
    {
        var response = await Live.PostJsonAsync("/v2/models/nope/infer", "{}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("nope", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
    }
}
