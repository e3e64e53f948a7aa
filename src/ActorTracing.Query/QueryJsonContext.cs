using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorTracing.Query;

/// <summary>Source-generated JSON for the overview, so it serializes in trimmed hosts too (the node uses the slim builder).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PipelineOverview))]
internal sealed partial class QueryJsonContext : JsonSerializerContext;
