namespace AttentionService.Api.Wire;

/// <summary>What is wrong with a tensor, at which index path inside its field.</summary>
/// <param name="Path">The index path, e.g. <c>[1]</c> or <c>[0][2]</c>; empty for the whole tensor.</param>
/// <param name="Message">What is wrong there.</param>
public sealed record TensorDefect(string Path, string Message);
