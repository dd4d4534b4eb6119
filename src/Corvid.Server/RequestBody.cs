using Corvid.Serving.Handlers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Corvid.Server;

/// <summary>
/// Reads a prediction body as TorchServe accepts it: the raw bytes (<c>curl -T image.jpg</c>,
/// <c>curl --data-binary @image.jpg</c>, <c>requests.post(url, data=bytes)</c>) or a form whose file or field is
/// named <c>data</c> or <c>body</c> (<c>curl -F data=@image.jpg</c>, <c>curl -d data=…</c>). Kestrel enforces the size
/// limit while reading (413).
/// </summary>
internal static class RequestBody
{
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.HasFormContentType && !IsUrlEncoded(request))
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                throw new BadInputException($"the request body is not a valid {request.ContentType} form: {e.Message}");
            }
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
        var bytes = stream.GetBuffer().AsMemory(0, (int)stream.Length);
        return IsUrlEncoded(request) ? UrlEncodedField(bytes) ?? bytes : bytes;
    }

    static bool IsUrlEncoded(HttpRequest request) =>
        request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>
    /// The <c>data</c> or <c>body</c> field of a urlencoded form, or null when the bytes are not one. curl's
    /// <c>--data-binary @image.jpg</c> labels the raw image as a urlencoded form, and an encoded form is ASCII,
    /// which an image is not: such a body is taken as it is rather than refused.
    /// </summary>
    static byte[]? UrlEncodedField(ReadOnlyMemory<byte> body)
    {
        var span = body.Span;
        foreach (byte b in span)
            if (b < 0x20 || b > 0x7e) return null;
        var fields = QueryHelpers.ParseQuery(System.Text.Encoding.ASCII.GetString(span));
        var value = fields.TryGetValue("data", out var data) ? data.FirstOrDefault()
            : fields.TryGetValue("body", out var named) ? named.FirstOrDefault() : null;
        return value is null ? null : System.Text.Encoding.UTF8.GetBytes(value);
    }
}
