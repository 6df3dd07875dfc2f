namespace AttentionService.Deployment.Tests;

/// <summary>The repository these tests were built from: found by walking up from the test binaries to the solution.</summary>
internal static class Repo
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AttentionService.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no AttentionService.sln above {AppContext.BaseDirectory}");
    });

    public static string Root => RootPath.Value;

    /// <summary>A path inside the repository, written with forward slashes as in the Dockerfile and the compose file.</summary>
    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));
}
