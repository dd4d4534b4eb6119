using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Corvid.Serving.Tests;
using SkiaSharp;

namespace Corvid.Server.Tests;

/// <summary>TorchServe's inference API against a live server.</summary>
public class InferenceApiTests(SharedServerFixture fixture) : IClassFixture<SharedServerFixture>
{
    private LiveServer Live => fixture.Live;

    [Fact]
    public async Task Ping_answers_healthy()
    {
        var response = await Live.Client.GetAsync("/ping");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_default_model_answers_a_jpeg_with_512_numbers()
    {
        var response = await Live.PostBytesAsync("/predictions/resnet18", TestImages.Pattern());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var embedding = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
        Assert.Equal(512, embedding.Count);
    }

    [Fact]
    public async Task A_classifier_answers_top_labels_for_a_multipart_upload_to_a_version()
    {
        using var form = new MultipartFormDataContent();
        var image = new ByteArrayContent(TestImages.Solid(new SKColor(0, 0, 250), format: SKEncodedImageFormat.Jpeg));
        image.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(image, "data", "blue.jpg");

        var response = await Live.Client.PostAsync("/predictions/colours/1.0", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var labels = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal("blue", labels.First().Key);
    }

    [Fact]
    public async Task An_image_sent_as_curl_data_binary_does_labelled_as_a_urlencoded_form_is_read_as_the_image()
    {
        // curl --data-binary @image.jpg: the raw bytes with Content-Type application/x-www-form-urlencoded.
        var jpeg = TestImages.Solid(new SKColor(0, 0, 250), format: SKEncodedImageFormat.Jpeg);
        var raw = new ByteArrayContent(jpeg);
        raw.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        var response = await Live.Client.PostAsync("/predictions/colours", raw);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("blue", JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject().First().Key);

        // A real urlencoded form names its field; its value is the body (here not an image: a clear 400).
        var form = new FormUrlEncodedContent([new("data", "hello")]);
        response = await Live.Client.PostAsync("/predictions/colours", form);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("5 bytes", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_broken_multipart_form_is_400_naming_the_form()
    {
        var broken = new ByteArrayContent("--x\r\nnot a part header\r\n"u8.ToArray());
        broken.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=x");
        var response = await Live.Client.PostAsync("/predictions/colours", broken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not a valid multipart/form-data", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_unknown_model_is_404_naming_it_and_the_known_ones()
    {
        var response = await Live.PostBytesAsync("/predictions/resnet152", TestImages.Pattern());
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Contains("resnet152", problem["detail"]!.GetValue<string>());
        Assert.Contains("resnet18", problem["detail"]!.GetValue<string>());
        Assert.Equal(404, problem["code"]!.GetValue<int>());

        response = await Live.PostBytesAsync("/predictions/resnet18/9.9", TestImages.Pattern());
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("9.9", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_body_that_is_not_an_image_is_400_naming_the_problem()
    {
        var response = await Live.PostBytesAsync("/predictions/resnet18", "{\"hello\": 1}"u8.ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var detail = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>();
        Assert.Contains("not an image", detail);
        Assert.Contains("12 bytes", detail);
    }

    [Fact]
    public async Task A_model_that_throws_answers_500_with_the_error_and_others_keep_serving()
    {
        var response = await Live.PostJsonAsync("/predictions/broken", LiveServer.RawRow(1));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var detail = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>();
        Assert.Contains("broken", detail);

        var junk = await Live.PostJsonAsync("/predictions/junk", LiveServer.RawRow(1));
        Assert.Equal(HttpStatusCode.InternalServerError, junk.StatusCode);
        Assert.Contains("failed to load", await junk.Content.ReadAsStringAsync());

        var good = await Live.PostJsonAsync("/predictions/add-one", LiveServer.RawRow(1));
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal("[2,2,2,2]", JsonNode.Parse(await good.Content.ReadAsStringAsync())!["y"]!["data"]!.ToJsonString());
    }

    [Fact]
    public async Task Curl_speaks_to_the_server_as_torchserve_users_do()
    {
        var image = Path.Combine(Path.GetTempPath(), $"corvid-curl-{Guid.NewGuid():N}.jpg");
        await File.WriteAllBytesAsync(image, TestImages.Pattern());
        var start = new System.Diagnostics.ProcessStartInfo("curl", ["-s", "-S", "--fail-with-body", "-T", image, $"{Live.BaseAddress}predictions/resnet18"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var curl = System.Diagnostics.Process.Start(start)!;
        var output = await curl.StandardOutput.ReadToEndAsync();
        await curl.WaitForExitAsync();

        Assert.True(curl.ExitCode == 0, await curl.StandardError.ReadToEndAsync());
        Assert.Equal(512, JsonNode.Parse(output)!.AsArray().Count);
    }
}
