using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace AttentionService.Deployment.Tests;

/// <summary>A node of a parsed YAML document with its path, so a failed lookup says where it looked.</summary>
internal sealed record Yaml(object? Value, string Path)
{
    /// <summary>Every document of a file (anchors and `&lt;&lt;` merge keys resolved, as Docker Compose does).</summary>
    public static IReadOnlyList<Yaml> LoadAll(string relative)
    {
        var deserializer = new DeserializerBuilder().Build();
        using var reader = new StringReader(Repo.Read(relative));
        var parser = new MergingParser(new Parser(reader));
        parser.Consume<StreamStart>();
        var documents = new List<Yaml>();
        while (parser.Accept<DocumentStart>(out _))
        {
            documents.Add(new Yaml(deserializer.Deserialize(parser), relative));
        }

        return documents;
    }

    public static Yaml Load(string relative) => LoadAll(relative).ShouldHaveSingleItem($"{relative} should hold one document");

    public Yaml this[string key] =>
        Value is IDictionary<object, object?> map && map.TryGetValue(key, out var found)
            ? new Yaml(found, $"{Path}.{key}")
            : throw new ShouldAssertException($"{Path} has no '{key}'");

    public Yaml this[int index] => Items.ElementAtOrDefault(index) ?? throw new ShouldAssertException($"{Path} has no item {index}");

    public bool Has(string key) => Value is IDictionary<object, object?> map && map.ContainsKey(key);

    public IEnumerable<Yaml> Items => Value is IList<object?> list
        ? list.Select((v, i) => new Yaml(v, $"{Path}[{i}]"))
        : throw new ShouldAssertException($"{Path} is not a list");

    public IEnumerable<(string Key, Yaml Value)> Entries => Value is IDictionary<object, object?> map
        ? map.Select(e => ((string)e.Key, new Yaml(e.Value, $"{Path}.{e.Key}")))
        : throw new ShouldAssertException($"{Path} is not a mapping");

    public string Text => Value as string ?? throw new ShouldAssertException($"{Path} is not a scalar");

    public int Int => int.TryParse(Text, out var n) ? n : throw new ShouldAssertException($"{Path} is '{Text}', not a whole number");

    public override string ToString() => $"{Path}: {Value}";
}
