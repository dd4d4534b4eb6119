using Microsoft.AspNetCore.Http;

namespace Corvid.Server;

/// <summary>
/// Reads a prediction body as TorchServe accepts it: the raw bytes (<c>curl -T image.jpg</c>,
/// <c>requests.post(url, data=bytes)</c>) or a multipart form whose file or field is named <c>data</c> or
/// <c>body</c> (<c>curl -F data=@image.jpg</c>). Kestrel enforces the size limit while reading (413).
/// </summary>
internal static class RequestBody
{
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
            var file = form.Files.GetFile("data") ?? form.Files.GetFile("body") ?? form.Files.FirstOrDefault();
            if (file is not null)
            {
                using var buffer = new MemoryStream((int)file.Length);
                await file.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
            }
            var field = form["data"].FirstOrDefault() ?? form["body"].FirstOrDefault();
            return field is null ? ReadOnlyMemory<byte>.Empty : System.Text.Encoding.UTF8.GetBytes(field);
        }
        using var stream = request.ContentLength is { } length and < int.MaxValue ? new MemoryStream((int)length) : new MemoryStream();
        await request.Body.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        return stream.GetBuffer().AsMemory(0, (int)stream.Length);
    }
}
