using Analytics.Storage.Hosting;
using Dapper;
using Npgsql;

namespace Analytics.Storage.Properties;

/// <summary>Properties in PostgreSQL (Dapper over the shared data source: plain SQL, no change tracking needed).</summary>
public sealed class PropertyStore(NpgsqlDataSource dataSource)
{
    /// <summary>The columns of a <see cref="Property"/> (also read by the API key store's scoped queries).</summary>
    public const string Columns = "id AS Id, domain AS Domain, name AS Name, timezone AS Timezone, created_at AS CreatedAt, week_start AS WeekStart, " +
        "array_to_string(allowed_hostnames, ',') AS AllowedHostnameList, retention_days AS RetentionDays, honor_do_not_track AS HonorDoNotTrack, " +
        "array_to_string(excluded_ips, E'\\n') AS ExcludedIpList, array_to_string(excluded_pages, E'\\n') AS ExcludedPageList, array_to_string(excluded_countries, E'\\n') AS ExcludedCountryList, public AS IsPublic, day_zone AS DayZone";

    /// <summary>
    /// SQL: the role (as stored) of user <c>@user</c> in property <c>p</c>: as one of its members, or, for a property
    /// without members (added with the command line, or the demo), owner when the user is an admin of the instance;
    /// null when the user may not read it.
    /// </summary>
    private const string RoleOfUser = """
        coalesce((SELECT m.role FROM property_members m WHERE m.property_id = p.id AND m.user_id = @user),
                 CASE WHEN EXISTS (SELECT 1 FROM users u WHERE u.id = @user AND u.is_admin)
                       AND NOT EXISTS (SELECT 1 FROM property_members m WHERE m.property_id = p.id) THEN 'owner' END)
        """;

    /// <summary>SQL condition: user <c>@user</c> may read property <c>p</c> (has a role in it).</summary>
    public static readonly string ReadableByUser = $"({RoleOfUser}) IS NOT NULL";

    /// <summary>SQL condition: user <c>@user</c> has <paramref name="least"/> or a role above it in property <c>p</c>.</summary>
    public static string UserMay(PropertyRole least) => $"({RoleOfUser}) IN ({PropertyRoles.AtLeast(least)})";

    /// <summary>Adds a property, optionally owned by a user. Throws <see cref="FieldValidationException"/> for bad input.</summary>
    public async Task<Property> AddAsync(string domain, string? name, string timezone, long? ownerId, CancellationToken cancellationToken)
    {
        var normalized = PropertyValidation.NormalizeDomain(domain);
        var zone = PropertyValidation.ValidateTimezone(timezone);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            var property = await connection.QuerySingleAsync<Property>(new CommandDefinition(
                $"INSERT INTO properties (domain, name, timezone, day_zone) VALUES (@domain, @name, @zone, @zone) RETURNING {Columns}",
                new { domain = normalized, name = string.IsNullOrWhiteSpace(name) ? normalized : name.Trim(), zone },
                transaction, cancellationToken: cancellationToken));
            if (ownerId is { } owner)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO property_members (property_id, user_id, role) VALUES (@property, @owner, 'owner')",
                    new { property = property.Id, owner }, transaction, cancellationToken: cancellationToken));
            }

            await transaction.CommitAsync(cancellationToken);
            return property;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new FieldValidationException("domain", $"A property for '{normalized}' already exists.");
        }
    }

    public async Task<IReadOnlyList<Property>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Property>(new CommandDefinition(
            $"SELECT {Columns} FROM properties ORDER BY domain", cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>The properties a user may read, by domain, each with the user's role in it.</summary>
    public async Task<IReadOnlyList<PropertyAccess>> ListForUserAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Property, string, PropertyAccess>(new CommandDefinition(
            $"SELECT {Columns}, {RoleOfUser} AS Role FROM properties p WHERE {ReadableByUser} ORDER BY domain", new { user = userId }, cancellationToken: cancellationToken),
            (property, role) => new PropertyAccess(property, PropertyRoles.Parse(role, "role")), splitOn: "Role")).AsList();
    }

    /// <summary>
    /// The property with this domain and the user's role in it, if that is <paramref name="least"/> or above, else null,
    /// whether or not the property exists.
    /// </summary>
    public async Task<PropertyAccess?> FindForUserAsync(long userId, string domain, PropertyRole least, CancellationToken cancellationToken)
    {
        if (!PropertyValidation.CouldBeDomain(domain))
        {
            return null;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var found = await connection.QueryAsync<Property, string, PropertyAccess>(new CommandDefinition(
            $"SELECT {Columns}, {RoleOfUser} AS Role FROM properties p WHERE lower(domain) = lower(@domain) AND {UserMay(least)}",
            new { user = userId, domain = (domain ?? string.Empty).Trim() }, cancellationToken: cancellationToken),
            (property, role) => new PropertyAccess(property, PropertyRoles.Parse(role, "role")), splitOn: "Role");
        return found.SingleOrDefault();
    }

    /// <summary>The user's role in the property; null when they may not read it.</summary>
    public async Task<PropertyRole?> RoleAsync(long userId, long propertyId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var role = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            $"SELECT {RoleOfUser} FROM properties p WHERE p.id = @propertyId", new { user = userId, propertyId }, cancellationToken: cancellationToken));
        return role is null ? null : PropertyRoles.Parse(role, "role");
    }

    public async Task<Property?> FindAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Property>(new CommandDefinition(
            $"SELECT {Columns} FROM properties WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task<Property?> FindByDomainAsync(string domain, CancellationToken cancellationToken)
    {
        if (!PropertyValidation.CouldBeDomain(domain))
        {
            return null;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Property>(new CommandDefinition(
            $"SELECT {Columns} FROM properties WHERE lower(domain) = lower(@domain)", new { domain = domain.Trim() }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Changes a property's privacy controls (null leaves one as it is): the hostnames whose events are kept (an empty
    /// list: any), the days of events kept (0: all), and whether Do Not Track / Global Privacy Control are honoured.
    /// </summary>
    public async Task<Property?> UpdatePrivacyAsync(long id, IReadOnlyList<string>? allowedHostnames, int? retentionDays, bool? honorDoNotTrack, CancellationToken cancellationToken)
    {
        var hostnames = allowedHostnames?.Select(PropertyValidation.NormalizeHostnamePattern).Distinct(StringComparer.Ordinal).ToArray();
        if (hostnames is { Length: > 100 })
        {
            throw new FieldValidationException("allowed_hostnames", "at most 100 hostnames.");
        }

        if (retentionDays is < 0 or > 36_500)
        {
            throw new FieldValidationException("retention_days", $"{retentionDays} is not a number of days between 1 and 36500 (0: keep everything).");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Property>(new CommandDefinition(
            $"""
            UPDATE properties SET allowed_hostnames = coalesce(@hostnames::text[], allowed_hostnames),
                retention_days = CASE WHEN @retention::integer IS NULL THEN retention_days WHEN @retention::integer = 0 THEN NULL ELSE @retention::integer END,
                honor_do_not_track = coalesce(@honor::boolean, honor_do_not_track)
            WHERE id = @id RETURNING {Columns}
            """,
            new { id, hostnames, retention = retentionDays, honor = honorDoNotTrack }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Changes a property's shields (null leaves a list as it is; an empty list removes its rules), checked and
    /// normalized by <see cref="Shields.Normalize"/>. Collect follows within seconds.
    /// </summary>
    public async Task<Property?> UpdateShieldsAsync(long id, IReadOnlyList<string>? addresses, IReadOnlyList<string>? pages, IReadOnlyList<string>? countries, CancellationToken cancellationToken)
    {
        var (ips, paths, codes) = Shields.Normalize(addresses, pages, countries);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Property>(new CommandDefinition(
            $"""
            UPDATE properties SET excluded_ips = CASE WHEN @setIps THEN @ips ELSE excluded_ips END,
                excluded_pages = CASE WHEN @setPages THEN @paths ELSE excluded_pages END,
                excluded_countries = CASE WHEN @setCountries THEN @codes ELSE excluded_countries END
            WHERE id = @id RETURNING {Columns}
            """,
            new { id, setIps = addresses is not null, ips, setPages = pages is not null, paths, setCountries = countries is not null, codes },
            cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Changes a property's name, time zone or first day of the week (null leaves it). Reports follow at once: events
    /// are stored in UTC and every query converts with the zone it is given.
    /// </summary>
    public async Task<Property?> UpdateAsync(long id, string? name, string? timezone, short? weekStart, CancellationToken cancellationToken)
    {
        if (name is not null && string.IsNullOrWhiteSpace(name))
        {
            throw new FieldValidationException("name", "A property's name cannot be empty.");
        }

        if (weekStart is < 1 or > 7)
        {
            throw new FieldValidationException("week_start", $"{weekStart} is not a day of the week (1 = Monday ... 7 = Sunday).");
        }

        var zone = timezone is null ? null : PropertyValidation.ValidateTimezone(timezone);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Property>(new CommandDefinition(
            $"""
            UPDATE properties SET name = coalesce(@name, name), timezone = coalesce(@zone, timezone), week_start = coalesce(@weekStart, week_start)
            WHERE id = @id RETURNING {Columns}
            """,
            new { id, name = name?.Trim(), zone, weekStart }, cancellationToken: cancellationToken));
    }

    /// <summary>Makes the property's dashboard public (open to anyone at /share/{domain}) or private again.</summary>
    public async Task SetPublicAsync(long id, bool isPublic, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE properties SET public = @isPublic WHERE id = @id", new { id, isPublic }, cancellationToken: cancellationToken));
    }

    /// <summary>Deletes the property's PostgreSQL rows (members and key scopes cascade); <see cref="PropertyDeletion"/> deletes its events too.</summary>
    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM properties WHERE id = @id", new { id }, cancellationToken: cancellationToken)) > 0;
    }
}
