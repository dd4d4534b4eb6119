using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Corvid.Server;

/// <summary>
/// Requires an API key on an endpoint group when one is configured: <c>Authorization: Bearer KEY</c> (what
/// TorchServe's token auth uses) or <c>X-API-Key: KEY</c>. Compared in constant time.
/// </summary>
internal sealed class ApiKeyFilter(string? key, string scope) : IEndpointFilter
{
    private readonly byte[]? _key = key is null ? null : Encoding.UTF8.GetBytes(key);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_key is null) return await next(context);
        var request = context.HttpContext.Request;
        string? presented = null;
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) presented = authorization["Bearer ".Length..].Trim();
        else if (request.Headers.TryGetValue("X-API-Key", out var header)) presented = header.ToString();

        if (presented is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key))
        {
            return Errors.Problem(StatusCodes.Status401Unauthorized, "Unauthorized",
                presented is null
                    ? $"this {scope} API needs a key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
                    : $"the {scope} key presented is not valid");
        }
        return await next(context);
    }
}
