# The analytics image for the split deployment (compose.yaml): the same binary as a single node, configured for a
# ClickHouse server and an external PostgreSQL, so it carries neither chDB nor PostgreSQL.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Everything the build needs; .dockerignore keeps out builds, tests, the tracker's sources and local data.
COPY . .
RUN dotnet publish Analytics.Cli/Analytics.Cli.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    ANALYTICS_DATA=/var/lib/analytics \
    ANALYTICS_CLICKHOUSE_ENGINE=Server
USER app
EXPOSE 8080
ENTRYPOINT ["/app/analytics"]
CMD ["serve"]
