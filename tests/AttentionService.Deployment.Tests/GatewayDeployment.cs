namespace AttentionService.Deployment.Tests;

/// <summary>Two instances of the published service behind nginx, as docker-compose.yml runs them.</summary>
public sealed class GatewayDeployment : IDisposable
{
    /// <summary>The instances believe forwarded headers from nginx's address only, as compose trusts the gateway's.</summary>
    public static readonly IReadOnlyDictionary<string, string?> TrustLoopbackGateway = new Dictionary<string, string?>
    {
        ["Attention__Gateway__KnownNetworks__0"] = "127.0.0.1/32",
    };

    private GatewayDeployment(IReadOnlyList<ServiceInstance> instances, NginxGateway gateway)
    {
        Instances = instances;
        Gateway = gateway;
    }

    public IReadOnlyList<ServiceInstance> Instances { get; }

    public NginxGateway Gateway { get; }

    /// <summary>The API's root through the gateway: http://127.0.0.1:PORT/attention/.</summary>
    public Uri Api => new(Gateway.Address, "/attention/");

    /// <summary>Everything the processes wrote, for failure messages.</summary>
    public string Tails => string.Join('\n', Instances.Select(i => i.Tail).Append(Gateway.Tail));

    public static async Task<GatewayDeployment> StartAsync(DeploymentFixture fixture, string name)
    {
        var instances = new List<ServiceInstance>();
        try
        {
            // One after the other: two warm-ups at once on a 2-core machine only make both slower.
            for (var i = 1; i <= 2; i++)
            {
                instances.Add(await ServiceInstance.StartAsync(fixture, $"{name}-api-{i}", TrustLoopbackGateway));
            }

            var gateway = await NginxGateway.StartAsync(instances.Select(i => i.Address).ToList());
            return new GatewayDeployment(instances, gateway);
        }
        catch
        {
            instances.ForEach(i => i.Dispose());
            throw;
        }
    }

    public void Dispose()
    {
        Gateway.Dispose();
        foreach (var instance in Instances)
        {
            instance.Dispose();
        }
    }
}
