using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Analytics.Ingest.Visitors;

namespace Analytics.Tests.Ingest;

public sealed class VisitorIdsTests
{
    private static ulong Hmac(byte[] salt, long propertyId, string ip, string userAgent)
        => BinaryPrimitives.ReadUInt64LittleEndian(HMACSHA256.HashData(salt, Encoding.UTF8.GetBytes($"{propertyId}\n{ip}\n{userAgent}")));

    [Fact]
    public void Hash_IsTheHmacOfItsOwnSalt_AsSaltsAlternate_OnOneThreadAndOnMany()
    {
        // Yesterday's salt, today's, a fresh one, and a copy of today's in another array.
        var today = Enumerable.Repeat((byte)2, 32).ToArray();
        byte[][] salts = [Enumerable.Repeat((byte)1, 32).ToArray(), today, RandomNumberGenerator.GetBytes(32), [.. today]];
        for (var i = 0; i < 200; i++)
        {
            var salt = salts[i * 7 / 3 % salts.Length];
            var (ip, agent) = ($"203.0.113.{i % 256}", i % 2 == 0 ? "agent" : "Mozilla/5.0 (X11; Linux x86_64) Ünïcode");
            Assert.Equal(Hmac(salt, i % 3, ip, agent), VisitorIds.Hash(salt, i % 3, ip, agent));
        }

        Assert.Equal(VisitorIds.Hash(today, 7, "198.51.100.1", "agent"), VisitorIds.Hash(salts[3], 7, "198.51.100.1", "agent"));
        Assert.NotEqual(VisitorIds.Hash(today, 7, "198.51.100.1", "agent"), VisitorIds.Hash(salts[0], 7, "198.51.100.1", "agent"));

        var wrong = 0;
        Parallel.For(0, 4_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var salt = salts[i % salts.Length];
            if (VisitorIds.Hash(salt, 1, $"198.51.100.{i % 256}", "agent") != Hmac(salt, 1, $"198.51.100.{i % 256}", "agent"))
            {
                Interlocked.Increment(ref wrong);
            }
        });
        Assert.Equal(0, wrong);
    }
}
