using Corvid.Serving;
using Corvid.Serving.Handlers;
using Corvid.Serving.Scheduling;
using Microsoft.AspNetCore.Http;

namespace Corvid.Server;

/// <summary>
/// Error answers. TorchServe-style routes answer RFC 9457 problem details that also carry TorchServe's
/// <c>code</c>, <c>type</c> and <c>message</c> fields, so both kinds of client read them; KServe v2 routes
/// answer <c>{"error": "..."}</c> as the protocol says.
/// </summary>
internal static class Errors
{
    public static IResult Problem(int status, string type, string detail, IDictionary<string, string>? headers = null) =>
        new ProblemResult(status, type, detail, headers);

    /// <summary>Maps an exception from the serving layer to its status code and an error message naming the problem.</summary>
    public static (int Status, string Type) Classify(Exception e) => e switch
    {
        BadInputException => (StatusCodes.Status400BadRequest, "BadRequest"),
        QueueFullException => (StatusCodes.Status503ServiceUnavailable, "QueueFull"),
        ModelUnavailableException => (StatusCodes.Status503ServiceUnavailable, "ServiceUnavailable"),
        ResponseTimeoutException => (StatusCodes.Status504GatewayTimeout, "ResponseTimeout"),
        ModelFailedException => (StatusCodes.Status500InternalServerError, "ModelFailed"),
        ModelLoadException => (StatusCodes.Status400BadRequest, "ModelLoadFailed"),
        BadHttpRequestException { StatusCode: 413 } => (StatusCodes.Status413PayloadTooLarge, "PayloadTooLarge"),
        BadHttpRequestException bad => (bad.StatusCode, "BadRequest"),
        _ => (StatusCodes.Status500InternalServerError, "InternalServerError"),
    };

    public static IDictionary<string, string>? HeadersFor(Exception e, ServerOptions options) =>
        e is QueueFullException or ModelUnavailableException
            ? new Dictionary<string, string> { ["Retry-After"] = options.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) }
            : null;

    private sealed class ProblemResult(int status, string type, string detail, IDictionary<string, string>? headers) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => status;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (headers is not null)
            {
                foreach (var (name, value) in headers) httpContext.Response.Headers[name] = value;
            }
            var body = new ProblemBody(
                Type: $"https://corvid.dev/errors/{type}",
                Title: type,
                Status: status,
                Detail: detail,
                Code: status,
                Message: detail);
            return Results.Json(body, ServerJson.Default.ProblemBody, "application/problem+json", status).ExecuteAsync(httpContext);
        }
    }
}

internal sealed record ProblemBody(string Type, string Title, int Status, string Detail, int Code, string Message);
