using System.Net;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Analytics.Ingest.Enrichment;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.Enrichment;

public sealed class MaxMindDatabaseTests
{
    [Fact]
    public void CityTestDatabase_EveryNetworksRecord_EqualsItsSourceJson()
    {
        var database = MaxMindDatabase.Open(Conformance.File("maxmind/GeoIP2-City-Test.mmdb"));
        var source = JsonNode.Parse(File.ReadAllText(Conformance.File("maxmind/GeoIP2-City-Test.json")))!.AsArray();
        var checkedCount = 0;
        foreach (var entry in source)
        {
            var (network, expected) = entry!.AsObject().Single();
            var (first, last) = Range(network);
            foreach (var address in new[] { first, last })
            {
                var actual = JsonSerializer.SerializeToNode(database.Lookup(address));
                Assert.True(JsonNode.DeepEquals(expected, actual), $"{network} at {address}:\nexpected {expected?.ToJsonString()}\nactual   {actual?.ToJsonString()}");
                checkedCount++;
            }
        }

        Assert.True(checkedCount > 100, $"only {checkedCount} lookups");
    }

    [Fact]
    public void CityTestDatabase_GeoLookup_ReadsCountryRegionCity()
    {
        var geo = new GeoLookup(MaxMindDatabase.Open(Conformance.File("maxmind/GeoIP2-City-Test.mmdb")));

        Assert.Equal(new GeoLocation("GB", "England", "Boxford"), geo.Locate(IPAddress.Parse("2.125.160.216")));
        Assert.Equal("SE", geo.Locate(IPAddress.Parse("89.160.20.112")).CountryCode);
        Assert.Equal(GeoLocation.Unknown, geo.Locate(IPAddress.Parse("10.0.0.1")));
        Assert.Equal(GeoLocation.Unknown, geo.Locate(null));
    }

    [Fact]
    public void DecoderTestDatabase_DecodesEveryType()
    {
        var database = MaxMindDatabase.Open(Conformance.File("maxmind/MaxMind-DB-test-decoder.mmdb"));

        var record = Assert.IsType<Dictionary<string, object?>>(database.Lookup(IPAddress.Parse("1.1.1.1")));

        Assert.Equal("unicode! \u262f - \u266b", record["utf8_string"]);
        Assert.Equal(42.123456, record["double"]);
        Assert.Equal(new byte[] { 0, 0, 0, 42 }, record["bytes"]);
        Assert.Equal(100UL, record["uint16"]);
        Assert.Equal(268435456UL, record["uint32"]);
        Assert.Equal(-268435456, record["int32"]);
        Assert.Equal(1152921504606846976UL, record["uint64"]);
        Assert.Equal(BigInteger.Parse("1329227995784915872903807060280344576", System.Globalization.CultureInfo.InvariantCulture), record["uint128"]);
        Assert.Equal(new List<object?> { 1UL, 2UL, 3UL }, record["array"]);
        Assert.Equal(true, record["boolean"]);
        Assert.Equal(1.1f, record["float"]);
        var map = Assert.IsType<Dictionary<string, object?>>(Assert.IsType<Dictionary<string, object?>>(record["map"])["mapX"]);
        Assert.Equal("hello", map["utf8_stringX"]);
        Assert.Equal(new List<object?> { 7UL, 8UL, 9UL }, map["arrayX"]);
    }

    [Theory]
    [InlineData("1.1.1.1", "1.1.1.1")]
    [InlineData("1.1.1.3", "1.1.1.2")]
    [InlineData("1.1.1.7", "1.1.1.4")]
    [InlineData("1.1.1.15", "1.1.1.8")]
    [InlineData("1.1.1.31", "1.1.1.16")]
    [InlineData("1.1.1.32", "1.1.1.32")]
    public void Ipv4Tree24BitRecords_FindsEachNetwork(string address, string network)
    {
        var database = MaxMindDatabase.Open(Conformance.File("maxmind/MaxMind-DB-test-ipv4-24.mmdb"));

        var record = Assert.IsType<Dictionary<string, object?>>(database.Lookup(IPAddress.Parse(address)));

        Assert.Equal(network, record["ip"]);
        Assert.Null(database.Lookup(IPAddress.Parse("1.1.1.33")));
        Assert.Null(database.Lookup(IPAddress.Parse("2001::1")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(21000)]
    public void DamagedFile_FailsAtOpenWithAMessageNamingIt(int keep)
    {
        var path = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.mmdb");
        var original = File.ReadAllBytes(Conformance.File("maxmind/GeoIP2-City-Test.mmdb"));
        // Keep the head of the file (or nothing) but the metadata at its end, so the tree points past the data.
        File.WriteAllBytes(path, [.. original.AsSpan(0, keep), .. original.AsSpan(original.Length - 400)]);
        try
        {
            var error = Assert.Throws<EnrichmentDataException>(() => MaxMindDatabase.Open(path));
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void NotAnMmdbFile_FailsAtOpen()
    {
        var error = Assert.Throws<EnrichmentDataException>(() => MaxMindDatabase.Open(Conformance.File("maxmind/GeoIP2-City-Test.json")));

        Assert.Contains("not a valid MaxMind DB file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DefaultDatabase_DbIpCountry_LocatesWellKnownAddresses()
    {
        var geo = await GeoLookup.OpenAsync(null, Console.Error.WriteLine, CancellationToken.None);

        Assert.Equal("US", geo.Locate(IPAddress.Parse("8.8.8.8")).CountryCode);
        Assert.Equal("DE", geo.Locate(IPAddress.Parse("2a00:1450:4001:800::200e")).CountryCode); // pinned database version
        Assert.Equal("US", geo.Locate(IPAddress.Parse("::ffff:8.8.8.8")).CountryCode);
        Assert.Equal(GeoLocation.Unknown, geo.Locate(IPAddress.Parse("127.0.0.1")));
    }

    private static (IPAddress First, IPAddress Last) Range(string network)
    {
        var slash = network.IndexOf('/', StringComparison.Ordinal);
        var address = IPAddress.Parse(network[..slash]);
        var prefix = int.Parse(network[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var bytes = address.GetAddressBytes();
        var last = (byte[])bytes.Clone();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            last[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }

        return (address, new IPAddress(last));
    }
}
