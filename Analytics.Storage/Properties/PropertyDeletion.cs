using Analytics.Storage.ClickHouse;

namespace Analytics.Storage.Properties;

/// <summary>
/// Deletes a property with all of its data, for every place that offers it (the dashboard, the CLI, Plausible's Sites
/// API): PostgreSQL first, so that collect stops accepting the domain (its goals, funnels, members and key scopes
/// cascade), then its rows in ClickHouse.
/// </summary>
public sealed class PropertyDeletion(PropertyStore properties, EventDeletion events)
{
    /// <summary>Deletes the property and its data; false when there is no such property.</summary>
    public async Task<bool> DeleteAsync(long propertyId, CancellationToken cancellationToken)
    {
        if (!await properties.DeleteAsync(propertyId, cancellationToken))
        {
            return false;
        }

        await events.DeletePropertyAsync(propertyId, cancellationToken);
        return true;
    }
}
