using System.Text.Json.Serialization;

namespace Corvid.Server;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProblemBody))]
[JsonSerializable(typeof(Endpoints.StatusMessage))]
[JsonSerializable(typeof(Endpoints.ModelDescription[]))]
[JsonSerializable(typeof(Endpoints.ModelList))]
internal sealed partial class ServerJson : JsonSerializerContext;
