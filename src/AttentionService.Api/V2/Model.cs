using System.Numerics;
using System.Text.Json;
using AttentionService.Api.Errors;
using AttentionService.Engine;

namespace AttentionService.Api.V2;

/// <summary>An input a model takes: its name, accepted datatypes (the first is the one metadata shows), highest-rank shape and whether it may be left out.</summary>
internal sealed record InputSpec(string Name, Datatype[] Datatypes, int[] Shape, bool Optional = false);

/// <summary>The kinds of scalar a request parameter holds.</summary>
internal enum ParameterKind
{
    Boolean,
    Number,
    Integer,
    String,
}

/// <summary>
/// One V2 model: what it takes (inputs, parameters), what it gives (outputs), and how a bound request becomes the
/// engine's problem, the same problem as its v1 endpoint. The engine validates; the model only names the inputs.
/// </summary>
internal abstract class Model
{
    public const string BinaryDataOutput = "binary_data_output";

    public abstract string Name { get; }

    /// <summary>The input whose datatype is the precision of the computation.</summary>
    public abstract string PrecisionInput { get; }

    public abstract IReadOnlyList<InputSpec> Inputs { get; }

    public abstract IReadOnlyDictionary<string, ParameterKind> Parameters { get; }

    /// <summary>The highest-rank shapes of <c>output</c> and <c>weights</c>.</summary>
    public abstract (int[] Output, int[] Weights) OutputShapes { get; }

    /// <summary>The problem the bound request describes; conversion defects are recorded in <paramref name="tensors"/>' errors.</summary>
    public abstract IAttentionProblem<T> ToProblem<T>(ModelRequest request, TensorConversion<T> tensors)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>The V2 name of a part of the problem: its input or parameter name, snake_case.</summary>
    public virtual string FieldOf(ProblemPart part) => part switch
    {
        ProblemPart.ReturnWeights => "outputs",
        _ => JsonNamingPolicy.SnakeCaseLower.ConvertName(part.ToString()),
    };

    public ModelMetadata Metadata => new(
        Name,
        ["1"],
        "attention_service",
        Inputs.Select(i => new TensorMetadata(i.Name, i.Datatypes[0].ToString(), i.Shape, i.Optional, i.Datatypes.Select(d => d.ToString()).ToArray())).ToArray(),
        [new TensorMetadata(Outputs.Output, "FP32", OutputShapes.Output, Datatypes: ["FP32", "FP64"]), new TensorMetadata(Outputs.Weights, "FP32", OutputShapes.Weights, Datatypes: ["FP32", "FP64"])]);

    protected static readonly Datatype[] Floats = [Datatype.FP32, Datatype.FP64];

    protected static readonly Datatype[] Booleans = [Datatype.BOOL];
}

/// <summary>The models this server serves.</summary>
internal static class Models
{
    public static readonly IReadOnlyList<Model> All = [new AttentionModel(), new SelfAttentionModel(), new MultiheadModel()];

    public static Model? Find(string name) => All.FirstOrDefault(m => m.Name == name);
}

/// <summary>The output names.</summary>
internal static class Outputs
{
    public const string Output = "output";
    public const string Weights = "weights";
}

/// <summary>A request checked against its model's inputs, parameters and outputs (400 otherwise): what <see cref="Model.ToProblem"/> reads.</summary>
internal sealed class ModelRequest
{
    private readonly Dictionary<string, RequestInput> _inputs;
    private readonly Dictionary<string, JsonElement> _parameters;

    private ModelRequest(Model model, InferenceRequest request, Dictionary<string, RequestInput> inputs, Dictionary<string, JsonElement> parameters, IReadOnlyList<(string Name, bool Binary)> outputs)
    {
        Model = model;
        Request = request;
        _inputs = inputs;
        _parameters = parameters;
        Outputs = outputs;
    }

    public Model Model { get; }

    public InferenceRequest Request { get; }

    /// <summary>The outputs to answer, in order, each in binary or JSON.</summary>
    public IReadOnlyList<(string Name, bool Binary)> Outputs { get; }

    public bool ReturnWeights => Outputs.Any(o => o.Name == V2.Outputs.Weights);

    public Precision Precision => Input(Model.PrecisionInput)?.Datatype == "FP64" ? Precision.Float64 : Precision.Float32;

    public RequestInput? Input(string name) => _inputs.GetValueOrDefault(name);

    public IEnumerable<(string Name, int[] Shape)> Shapes => _inputs.Values.Select(i => (i.Name, i.Shape));

    public bool Boolean(string name, bool fallback) => _parameters.TryGetValue(name, out var value) ? value.GetBoolean() : fallback;

    public double? Number(string name) => _parameters.TryGetValue(name, out var value) ? value.GetDouble() : null;

    public int Integer(string name) => _parameters.TryGetValue(name, out var value) ? value.GetInt32() : 0;

    public string? String(string name) => _parameters.TryGetValue(name, out var value) ? value.GetString() : null;

    /// <summary>Checks the request against the model: every refusal here is a 400 naming the input, parameter or output.</summary>
    public static (ModelRequest? Request, FieldErrors Errors) Bind(Model model, InferenceRequest request)
    {
        var errors = new FieldErrors();
        var inputs = new Dictionary<string, RequestInput>(StringComparer.Ordinal);
        foreach (var input in request.Inputs)
        {
            var spec = model.Inputs.FirstOrDefault(s => s.Name == input.Name);
            if (spec is null)
            {
                errors.Add(input.Name, $"is not an input of {model.Name}; it takes {string.Join(", ", model.Inputs.Select(s => s.Name))}");
            }
            else if (!inputs.TryAdd(input.Name, input))
            {
                errors.Add(input.Name, "is given twice");
            }
            else
            {
                CheckInput(input, spec, errors);
            }
        }

        foreach (var spec in model.Inputs.Where(s => !s.Optional && !inputs.ContainsKey(s.Name)))
        {
            errors.Add(spec.Name, $"is missing; {model.Name} needs it");
        }

        var parameters = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var binaryOutput = false;
        foreach (var (name, value) in request.Parameters ?? [])
        {
            if (name == Model.BinaryDataOutput)
            {
                binaryOutput = CheckKind(name, value, ParameterKind.Boolean, errors) && value.GetBoolean();
            }
            else if (!model.Parameters.TryGetValue(name, out var kind))
            {
                errors.Add(name, $"is not a parameter of {model.Name}; it takes {string.Join(", ", model.Parameters.Keys.Append(Model.BinaryDataOutput))}");
            }
            else if (CheckKind(name, value, kind, errors))
            {
                parameters[name] = value;
            }
        }

        foreach (var (name, kind) in model.Parameters.Where(p => p.Key == "num_heads" && !parameters.ContainsKey(p.Key)))
        {
            errors.Add(name, $"is missing; {model.Name} needs it (an integer >= 1 dividing the embedding size)");
        }

        if (parameters.TryGetValue("scoring", out var scoring) && !ScoringInfo.All.Any(s => ScoringInfo.NameOf(s.Scoring) == scoring.GetString()))
        {
            errors.Add("scoring", $"is '{scoring.GetString()}'; it is one of {string.Join(", ", ScoringInfo.All.Select(s => ScoringInfo.NameOf(s.Scoring)))}");
        }

        var outputs = BindOutputs(request.Outputs, binaryOutput, errors);
        return errors.Any ? (null, errors) : (new ModelRequest(model, request, inputs, parameters, outputs), errors);
    }

    private static void CheckInput(RequestInput input, InputSpec spec, FieldErrors errors)
    {
        if (!Datatypes.TryParse(input.Datatype, out var datatype) || !spec.Datatypes.Contains(datatype))
        {
            errors.Add(input.Name, $"has datatype '{input.Datatype}'; it takes {string.Join(" or ", spec.Datatypes)}");
            return;
        }

        if (input.Binary is not null)
        {
            return; // its size was checked against its shape before its bytes were read
        }

        if (input.Data is null)
        {
            errors.Add(input.Name, input.Parameters?.ContainsKey("binary_data_size") == true
                ? $"has binary_data_size but the request has no {InferenceBody.HeaderLength} header; binary data follows a JSON header of that length"
                : "has no data; send data, or binary_data_size and the bytes after the JSON");
            return;
        }

        if (input.Parameters is { Count: > 0 } parameters)
        {
            errors.Add(input.Name, $"has parameter '{parameters.Keys.First()}'; JSON inputs take none (binary inputs take binary_data_size)");
        }
        else if (!TensorShapes.TryCount(input.Shape, out var count, out var refusal))
        {
            errors.Add(input.Name, refusal!);
        }
        else if (count != input.Data.Count)
        {
            errors.Add(input.Name, $"has {input.Data.Count} elements in data but shape {TensorShapes.Format(input.Shape)} holds {count}");
        }
        else if (datatype == Datatype.BOOL ? input.Data.HasNumbers : input.Data.HasBooleans)
        {
            errors.Add(input.Name, datatype == Datatype.BOOL ? "is BOOL; its data are true and false, not numbers" : $"is {input.Datatype}; its data are numbers, not booleans");
        }
    }

    private static bool CheckKind(string name, JsonElement value, ParameterKind kind, FieldErrors errors)
    {
        var ok = kind switch
        {
            ParameterKind.Boolean => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            ParameterKind.Number => value.ValueKind == JsonValueKind.Number,
            ParameterKind.Integer => value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out _),
            _ => value.ValueKind == JsonValueKind.String,
        };
        if (!ok)
        {
            errors.Add(name, $"must be {(kind == ParameterKind.Integer ? "an integer" : "a " + kind.ToString().ToLowerInvariant())}; it is {value.GetRawText()}");
        }

        return ok;
    }

    private static List<(string, bool)> BindOutputs(List<RequestOutput>? requested, bool binaryOutput, FieldErrors errors)
    {
        if (requested is null)
        {
            return [(V2.Outputs.Output, binaryOutput), (V2.Outputs.Weights, binaryOutput)];
        }

        var outputs = new List<(string Name, bool Binary)>();
        foreach (var output in requested)
        {
            var binary = binaryOutput;
            foreach (var (name, value) in output.Parameters ?? [])
            {
                if (name != "binary_data")
                {
                    errors.Add(output.Name, $"has parameter '{name}'; outputs take binary_data only");
                }
                else if (CheckKind(output.Name + ".binary_data", value, ParameterKind.Boolean, errors))
                {
                    binary = value.GetBoolean();
                }
            }

            if (output.Name is not (V2.Outputs.Output or V2.Outputs.Weights))
            {
                errors.Add(output.Name, $"is not an output; the outputs are {V2.Outputs.Output} and {V2.Outputs.Weights}");
            }
            else if (outputs.Any(o => o.Name == output.Name))
            {
                errors.Add(output.Name, "is requested twice");
            }
            else
            {
                outputs.Add((output.Name, binary));
            }
        }

        return outputs;
    }
}
