using Analytics.Storage.Hosting;
using Dapper;
using Npgsql;

namespace Analytics.Storage.Properties;

/// <summary>A member of a property: a user and their role.</summary>
public sealed record Member(long UserId, string Email, PropertyRole Role);

/// <summary>An open invitation to a property, for whoever holds the invited address (a role of owner hands the property over).</summary>
public sealed record Invitation(long Id, long PropertyId, string Email, PropertyRole Role, DateTime CreatedAt, DateTime ExpiresAt);

/// <summary>
/// Who may do what in a property (<see cref="PropertyRole"/>), and how people join: by invitation to an email address,
/// accepted or declined by the account holding that address once it is confirmed. The rules of the dashboard and of
/// Plausible's guests API are kept here, once: only the owner invites an owner (which hands the property over when
/// accepted: the old owner stays as an admin), nobody else changes or removes the owner, and a member may leave.
/// </summary>
public sealed class MemberStore(NpgsqlDataSource dataSource)
{
    /// <summary>How long an invitation stays open.</summary>
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(14);

    private const string InvitationColumns = "id AS Id, property_id AS PropertyId, email AS Email, role AS RoleName, created_at AS CreatedAt, expires_at AS ExpiresAt";

    /// <summary>The property's members (owner first, then by role and address) and its open invitations.</summary>
    public async Task<(IReadOnlyList<Member> Members, IReadOnlyList<Invitation> Invitations)> ListAsync(long propertyId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var members = (await connection.QueryAsync<MemberRow>(new CommandDefinition(
            """
            SELECT u.id AS UserId, u.email AS Email, m.role AS RoleName FROM property_members m JOIN users u ON u.id = m.user_id
            WHERE m.property_id = @propertyId
            ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'editor' THEN 2 ELSE 3 END, lower(u.email)
            """, new { propertyId }, cancellationToken: cancellationToken))).Select(r => r.Member).ToList();
        var invitations = (await connection.QueryAsync<InvitationRow>(new CommandDefinition(
            $"SELECT {InvitationColumns} FROM invitations WHERE property_id = @propertyId AND expires_at > now() ORDER BY created_at, id",
            new { propertyId }, cancellationToken: cancellationToken))).Select(r => r.Invitation).ToList();
        return (members, invitations);
    }

    /// <summary>
    /// Invites <paramref name="email"/> as <paramref name="role"/>, by a member whose role is <paramref name="inviterRole"/>
    /// (null <paramref name="inviterId"/>: the command line or an instance key). An open invitation to the same address
    /// is replaced (a new link; the old one stops working). Returns the invitation and its token, the secret of the link.
    /// </summary>
    public async Task<(Invitation Invitation, string Token)> InviteAsync(long propertyId, string email, PropertyRole role, long? inviterId, PropertyRole inviterRole, CancellationToken cancellationToken)
    {
        var address = EmailAddress.Check(email, "email");
        Check(inviterRole, role, "role");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await RoleOfAsync(connection, transaction, propertyId, address, cancellationToken) is { } current && role != PropertyRole.Owner)
        {
            throw new FieldValidationException("email", $"{address} is a member already (as {current.Name()}); change their role in the list instead.");
        }

        if (inviterId is { } inviter)
        {
            // A property without members (added on the command line) is an instance admin's as its owner; the first
            // invitation makes that explicit, or the admin would lose it when the invited person joins.
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO property_members (property_id, user_id, role)
                SELECT @propertyId, @inviter, 'owner' WHERE NOT EXISTS (SELECT 1 FROM property_members WHERE property_id = @propertyId)
                """, new { propertyId, inviter }, transaction, cancellationToken: cancellationToken));
        }

        var token = Secrets.New("inv_");
        var row = await connection.QuerySingleAsync<InvitationRow>(new CommandDefinition(
            $"""
            INSERT INTO invitations (property_id, email, role, token_hash, invited_by, expires_at)
            VALUES (@propertyId, @address, @role, @hash, @inviterId, now() + @lifetime)
            ON CONFLICT (property_id, lower(email)) DO UPDATE SET email = excluded.email, role = excluded.role, token_hash = excluded.token_hash,
                invited_by = excluded.invited_by, created_at = now(), expires_at = excluded.expires_at
            RETURNING {InvitationColumns}
            """,
            new { propertyId, address, role = role.Name(), hash = Secrets.Hash(token), inviterId, lifetime = InvitationLifetime }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return (row.Invitation, token);
    }

    /// <summary>The role of the member or the open invitation with this address, for Plausible's idempotent guests API; null for neither.</summary>
    public async Task<(PropertyRole Role, bool Accepted)?> FindAsync(long propertyId, string email, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await RoleOfAsync(connection, null, propertyId, email, cancellationToken) is { } member)
        {
            return (member, true);
        }

        var invited = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT role FROM invitations WHERE property_id = @propertyId AND lower(email) = lower(@email) AND expires_at > now()",
            new { propertyId, email = email.Trim() }, cancellationToken: cancellationToken));
        return invited is null ? null : (PropertyRoles.Parse(invited, "role"), false);
    }

    /// <summary>The open invitation a link's token names, with its property's domain; null when unknown, answered or expired.</summary>
    public async Task<(Invitation Invitation, string Domain, string? InvitedBy)?> OpenAsync(string token, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<OpenRow>(new CommandDefinition(
            """
            SELECT i.id AS Id, i.property_id AS PropertyId, i.email AS Email, i.role AS RoleName, i.created_at AS CreatedAt, i.expires_at AS ExpiresAt,
                   p.domain AS Domain, u.email AS InvitedBy
            FROM invitations i JOIN properties p ON p.id = i.property_id LEFT JOIN users u ON u.id = i.invited_by
            WHERE i.token_hash = @hash AND i.expires_at > now()
            """, new { hash = Secrets.Hash(token ?? string.Empty) }, cancellationToken: cancellationToken));
        return row is null ? null : (new InvitationRow(row.Id, row.PropertyId, row.Email, row.RoleName, row.CreatedAt, row.ExpiresAt).Invitation, row.Domain, row.InvitedBy);
    }

    /// <summary>
    /// Accepts an invitation as user <paramref name="userId"/>, whose confirmed address must be the invited one; an
    /// invitation as owner hands the property over (the old owner stays as an admin). Returns the property's domain.
    /// </summary>
    public async Task<string> AcceptAsync(string token, long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (invitation, domain) = await InvitationForAsync(connection, transaction, token, userId, cancellationToken);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT email_verified_at IS NOT NULL FROM users WHERE id = @userId", new { userId }, transaction, cancellationToken: cancellationToken)))
        {
            throw new FieldValidationException("email", $"confirm that {invitation.Email} is yours first: open the link we mail you from your account page.");
        }

        if (invitation.Role == PropertyRole.Owner)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE property_members SET role = 'admin' WHERE property_id = @property AND role = 'owner' AND user_id <> @userId",
                new { property = invitation.PropertyId, userId }, transaction, cancellationToken: cancellationToken));
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO property_members (property_id, user_id, role) VALUES (@property, @userId, @role)
            ON CONFLICT (property_id, user_id) DO UPDATE SET role = excluded.role
            """, new { property = invitation.PropertyId, userId, role = invitation.Role.Name() }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM invitations WHERE id = @id", new { id = invitation.Id }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return domain;
    }

    /// <summary>Declines an invitation as user <paramref name="userId"/>, who must hold the invited address: the invitation is gone.</summary>
    public async Task DeclineAsync(string token, long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (invitation, _) = await InvitationForAsync(connection, null, token, userId, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM invitations WHERE id = @id", new { id = invitation.Id }, cancellationToken: cancellationToken));
    }

    /// <summary>Withdraws an open invitation; false when there is none with this id.</summary>
    public async Task<bool> CancelAsync(long propertyId, long invitationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM invitations WHERE property_id = @propertyId AND id = @invitationId", new { propertyId, invitationId }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Changes a member's role (not the owner's, and not to owner: that is an invitation the new owner accepts).</summary>
    public async Task ChangeRoleAsync(long propertyId, long userId, PropertyRole role, PropertyRole changerRole, CancellationToken cancellationToken)
    {
        if (role == PropertyRole.Owner)
        {
            throw new FieldValidationException("role", "ownership is handed over by inviting the new owner, who accepts.");
        }

        Check(changerRole, role, "role");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE property_members SET role = @role WHERE property_id = @propertyId AND user_id = @userId AND role <> 'owner'",
            new { propertyId, userId, role = role.Name() }, cancellationToken: cancellationToken)) == 0)
        {
            throw new FieldValidationException("member", "there is no such member, or it is the owner (whose role changes only by handing the property over).");
        }
    }

    /// <summary>Removes a member (any but the owner); false when there was none.</summary>
    public async Task<bool> RemoveAsync(long propertyId, long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM property_members WHERE property_id = @propertyId AND user_id = @userId AND role <> 'owner'",
            new { propertyId, userId }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Removes the member or the open invitation with this address (never the owner), as Plausible's guests API does; true either way.</summary>
    public async Task RemoveAsync(long propertyId, string email, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM invitations WHERE property_id = @propertyId AND lower(email) = lower(@email);
            DELETE FROM property_members m USING users u
            WHERE m.property_id = @propertyId AND m.user_id = u.id AND lower(u.email) = lower(@email) AND m.role <> 'owner';
            """, new { propertyId, email = email.Trim() }, cancellationToken: cancellationToken));
    }

    /// <summary>Admins give the roles up to admin; only the owner gives ownership.</summary>
    private static void Check(PropertyRole giver, PropertyRole role, string field)
    {
        if (giver < PropertyRole.Admin)
        {
            throw new FieldValidationException(field, "managing members needs the admin role.");
        }

        if (role == PropertyRole.Owner && giver != PropertyRole.Owner)
        {
            throw new FieldValidationException(field, "only the owner hands the property over.");
        }
    }

    private static async Task<PropertyRole?> RoleOfAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long propertyId, string email, CancellationToken cancellationToken)
    {
        var role = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT m.role FROM property_members m JOIN users u ON u.id = m.user_id WHERE m.property_id = @propertyId AND lower(u.email) = lower(@email)",
            new { propertyId, email = email.Trim() }, transaction, cancellationToken: cancellationToken));
        return role is null ? null : PropertyRoles.Parse(role, "role");
    }

    /// <summary>The open invitation a token names, for the signed-in user holding its address (locked for the transaction's answer).</summary>
    private static async Task<(Invitation Invitation, string Domain)> InvitationForAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string token, long userId, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<AnswerRow>(new CommandDefinition(
            $"""
            SELECT i.id AS Id, i.property_id AS PropertyId, i.email AS Email, i.role AS RoleName, i.created_at AS CreatedAt, i.expires_at AS ExpiresAt,
                   p.domain AS Domain, u.email AS UserEmail
            FROM invitations i JOIN properties p ON p.id = i.property_id, users u
            WHERE i.token_hash = @hash AND i.expires_at > now() AND u.id = @userId
            {(transaction is null ? string.Empty : "FOR UPDATE OF i")}
            """, new { hash = Secrets.Hash(token ?? string.Empty), userId }, transaction, cancellationToken: cancellationToken))
            ?? throw new FieldValidationException("invitation", "this invitation is not open any more: it was answered, withdrawn or has expired. Ask for a new one.");
        if (!string.Equals(row.Email, row.UserEmail, StringComparison.OrdinalIgnoreCase))
        {
            throw new FieldValidationException("invitation", $"this invitation is for {row.Email}; sign in with that address to answer it.");
        }

        return (new InvitationRow(row.Id, row.PropertyId, row.Email, row.RoleName, row.CreatedAt, row.ExpiresAt).Invitation, row.Domain);
    }

    private sealed record MemberRow(long UserId, string Email, string RoleName)
    {
        public Member Member => new(UserId, Email, PropertyRoles.Parse(RoleName, "role"));
    }

    private sealed record InvitationRow(long Id, long PropertyId, string Email, string RoleName, DateTime CreatedAt, DateTime ExpiresAt)
    {
        public Invitation Invitation => new(Id, PropertyId, Email, PropertyRoles.Parse(RoleName, "role"), CreatedAt, ExpiresAt);
    }

    private sealed record OpenRow(long Id, long PropertyId, string Email, string RoleName, DateTime CreatedAt, DateTime ExpiresAt, string Domain, string? InvitedBy);

    private sealed record AnswerRow(long Id, long PropertyId, string Email, string RoleName, DateTime CreatedAt, DateTime ExpiresAt, string Domain, string UserEmail);
}
