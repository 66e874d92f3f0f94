using Analytics.Storage.Goals;
using Analytics.Storage.Hosting;
using Dapper;
using Npgsql;

namespace Analytics.Storage.Funnels;

/// <summary>Funnels in PostgreSQL, their steps naming goals by display name. Bad input throws <see cref="FieldValidationException"/> naming the field.</summary>
public sealed class FunnelStore(NpgsqlDataSource dataSource, GoalStore goals)
{
    public const int MinSteps = 2;
    public const int MaxSteps = 8;

    /// <summary>Adds a funnel whose steps are the property's goals of these display names, in this order.</summary>
    public async Task<Funnel> AddAsync(long propertyId, string? name, IReadOnlyList<string> steps, CancellationToken cancellationToken)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 120)
        {
            throw new FieldValidationException("name", "a funnel needs a name of 1 to 120 characters.");
        }

        if (steps.Count is < MinSteps or > MaxSteps)
        {
            throw new FieldValidationException("steps", $"a funnel has {MinSteps} to {MaxSteps} steps, each a goal; {steps.Count} given.");
        }

        var byName = (await goals.ListAsync(propertyId, cancellationToken)).ToDictionary(g => g.DisplayName, StringComparer.Ordinal);
        var chosen = new List<Goal>();
        for (var i = 0; i < steps.Count; i++)
        {
            var goal = byName.GetValueOrDefault(steps[i].Trim())
                ?? throw new FieldValidationException($"steps[{i}]", $"the property has no goal named '{steps[i]}' (see 'goals list').");
            chosen.Add(chosen.Contains(goal) ? throw new FieldValidationException($"steps[{i}]", $"'{goal.DisplayName}' is already step {chosen.IndexOf(goal) + 1}.") : goal);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long id;
        try
        {
            id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "INSERT INTO funnels (property_id, name) VALUES (@propertyId, @name) RETURNING id", new { propertyId, name }, transaction, cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new FieldValidationException("name", $"the property already has a funnel named '{name}'.");
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO funnel_steps (funnel_id, step, goal_id) SELECT @id, s.step, s.goal FROM unnest(@goalIds) WITH ORDINALITY AS s (goal, step)",
            new { id, goalIds = chosen.Select(g => g.Id).ToArray() }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return new Funnel(id, propertyId, name, chosen);
    }

    /// <summary>A property's funnels, by name, each with its steps.</summary>
    public async Task<IReadOnlyList<Funnel>> ListAsync(long propertyId, CancellationToken cancellationToken)
    {
        var byId = (await goals.ListAsync(propertyId, cancellationToken)).ToDictionary(g => g.Id);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Id, string Name, long GoalId)>(new CommandDefinition(
            """
            SELECT f.id, f.name, s.goal_id FROM funnels f JOIN funnel_steps s ON s.funnel_id = f.id
            WHERE f.property_id = @propertyId ORDER BY f.name, f.id, s.step
            """,
            new { propertyId }, cancellationToken: cancellationToken));
        return rows.GroupBy(r => (r.Id, r.Name)).Select(g => new Funnel(g.Key.Id, propertyId, g.Key.Name, g.Select(r => byId[r.GoalId]).ToList())).ToList();
    }

    /// <summary>A funnel of the property, or null.</summary>
    public async Task<Funnel?> GetAsync(long propertyId, long id, CancellationToken cancellationToken)
        => (await ListAsync(propertyId, cancellationToken)).FirstOrDefault(f => f.Id == id);

    /// <summary>Deletes a funnel of the property; false when it has no such funnel.</summary>
    public async Task<bool> DeleteAsync(long propertyId, long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM funnels WHERE id = @id AND property_id = @propertyId", new { id, propertyId }, cancellationToken: cancellationToken)) > 0;
    }
}
