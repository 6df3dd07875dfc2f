# syntax=docker/dockerfile:1
# AttentionService as a container: docker build -t attention-service .
# Run one:   docker run --rm --stop-timeout 30 -p 127.0.0.1:8080:8080 attention-service
# The stack: docker compose up --build (deploy/README.md).

# Base images by exact version (the SDK of global.json, the runtime the tests run on); deploy/README.md says how
# to pin their digests as well. Bump both together with global.json.
FROM mcr.microsoft.com/dotnet/sdk:10.0.401 AS build
WORKDIR /source

# Restore from the files that decide the package graph only, so a code change reuses this layer. Only the API
# and its engine are restored: the solution also lists the test projects, which the image does not build.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/AttentionService.Engine/AttentionService.Engine.csproj src/AttentionService.Engine/
COPY src/AttentionService.Api/AttentionService.Api.csproj src/AttentionService.Api/
RUN dotnet restore src/AttentionService.Api/AttentionService.Api.csproj

COPY src/ src/
# Framework-dependent and portable: the runtime image brings ASP.NET Core, and `dotnet X.dll` needs no apphost.
RUN dotnet publish src/AttentionService.Api/AttentionService.Api.csproj -c Release --no-restore -o /app -p:UseAppHost=false

# Chiseled: no shell, no package manager, a non-root user (app, uid 1654) built in; InvariantGlobalization means
# the service needs no ICU either.
FROM mcr.microsoft.com/dotnet/aspnet:10.0.12-noble-chiseled AS final
WORKDIR /app
# Production logs one compact JSON object per line. The host gives in-flight requests 25 s to finish after
# SIGTERM; compose's stop_grace_period (30 s) and Kubernetes' terminationGracePeriodSeconds (35 s) leave it that.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_SHUTDOWNTIMEOUTSECONDS=25
COPY --from=build /app ./
USER $APP_UID
EXPOSE 8080

# The image has no curl or wget: the application probes itself (Hosting/Probe.cs) without starting a web host.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["dotnet", "AttentionService.Api.dll", "--probe", "http://127.0.0.1:8080/health/ready"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "AttentionService.Api.dll"]
