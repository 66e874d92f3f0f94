using System.Net;
using System.Threading.RateLimiting;

namespace Analytics.Ingest.Collect;

/// <summary>
/// Rate limits of the collect endpoint, as token buckets: per client address (<see cref="CollectOptions.RateLimitPerAddress"/>;
/// IPv6 by /64), per API key of a backend sending its visitors' events (<see cref="CollectOptions.RateLimitPerKey"/>)
/// and per property (<see cref="CollectOptions.RateLimitPerProperty"/>), each allowing bursts of ten seconds' worth.
/// Buckets of idle keys are dropped by the limiter, so memory follows the number of active clients.
/// </summary>
internal sealed class CollectLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _perAddress;
    private readonly PartitionedRateLimiter<long>? _perProperty;
    private readonly PartitionedRateLimiter<long>? _perKey;

    public CollectLimits(CollectOptions options)
    {
        _perAddress = options.RateLimitPerAddress > 0
            ? PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetTokenBucketLimiter(address, _ => Bucket(options.RateLimitPerAddress)))
            : null;
        _perProperty = options.RateLimitPerProperty > 0
            ? PartitionedRateLimiter.Create<long, long>(property => RateLimitPartition.GetTokenBucketLimiter(property, _ => Bucket(options.RateLimitPerProperty)))
            : null;
        _perKey = options.RateLimitPerKey > 0
            ? PartitionedRateLimiter.Create<long, long>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => Bucket(options.RateLimitPerKey)))
            : null;
    }

    /// <summary>
    /// Null when this address may send one more event now; else the seconds to wait. An IPv6 client counts by its /64
    /// network: one host usually holds a whole /64 and could otherwise take a new address for every request.
    /// </summary>
    public int? RetryAfter(IPAddress? address) => _perAddress is null ? null : RetryAfter(_perAddress.AttemptAcquire(address is null ? string.Empty : ServiceDefaults.ClientNetwork.Of(address)));

    /// <summary>Null when this property may receive one more event now; else the seconds to wait.</summary>
    public int? RetryAfter(long propertyId) => _perProperty is null ? null : RetryAfter(_perProperty.AttemptAcquire(propertyId));

    /// <summary>Null when a backend sending with this API key may send one more event now; else the seconds to wait.</summary>
    public int? RetryAfterForKey(long keyId) => _perKey is null ? null : RetryAfter(_perKey.AttemptAcquire(keyId));

    public void Dispose()
    {
        _perKey?.Dispose();
        _perAddress?.Dispose();
        _perProperty?.Dispose();
    }

    private static int? RetryAfter(RateLimitLease lease)
    {
        using (lease)
        {
            return lease.IsAcquired ? null
                : lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds))
                : 1;
        }
    }

    private static TokenBucketRateLimiterOptions Bucket(int perSecond) => new()
    {
        TokenLimit = perSecond * 10,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
