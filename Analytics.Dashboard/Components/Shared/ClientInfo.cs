namespace Analytics.Dashboard.Components.Shared;

/// <summary>What the page shell learnt from the request that opened the page: the client's network (as the security log writes it) and the theme.</summary>
public sealed record ClientInfo(string Network, bool Dark);
