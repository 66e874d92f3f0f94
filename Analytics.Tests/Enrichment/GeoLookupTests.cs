using System.Net;
using System.Text.Json.Nodes;
using Analytics.Ingest.Enrichment;
using Analytics.Tests.Infrastructure;

namespace Analytics.Tests.Enrichment;

public sealed class GeoLookupTests
{
    private static readonly Action<string> Silent = _ => { };

    [Fact]
    public void CityTestDatabase_EveryNetwork_LocatesAsItsSourceJsonSays()
    {
        using var geo = GeoLookup.Open(Conformance.File("maxmind/GeoIP2-City-Test.mmdb"), Silent);
        var source = JsonNode.Parse(File.ReadAllText(Conformance.File("maxmind/GeoIP2-City-Test.json")))!.AsArray();
        var checkedCount = 0;
        foreach (var entry in source)
        {
            var (network, record) = entry!.AsObject().Single();
            var subdivision = record?["subdivisions"]?[0];
            var expected = new GeoLocation(
                (string?)record?["country"]?["iso_code"] ?? string.Empty,
                (string?)subdivision?["names"]?["en"] ?? (string?)subdivision?["iso_code"] ?? string.Empty,
                (string?)record?["city"]?["names"]?["en"] ?? string.Empty);
            var (first, last) = Range(network);
            foreach (var address in new[] { first, last })
            {
                Assert.True(expected == geo.Locate(address), $"{network} at {address}: expected {expected}, got {geo.Locate(address)}");
                checkedCount++;
            }
        }

        Assert.True(checkedCount > 100, $"only {checkedCount} lookups");
        Assert.Null(geo.Problem);
    }

    [Fact]
    public void CityTestDatabase_ReadsCountryRegionCity_AndUnknownOutsideIt()
    {
        using var geo = GeoLookup.Open(Conformance.File("maxmind/GeoIP2-City-Test.mmdb"), Silent);

        Assert.Equal("GeoIP2-City", geo.DatabaseType);
        Assert.Equal(new GeoLocation("GB", "England", "Boxford"), geo.Locate(IPAddress.Parse("2.125.160.216")));
        Assert.Equal(new GeoLocation("GB", "England", "Boxford"), geo.Locate(IPAddress.Parse("::ffff:2.125.160.216")));
        Assert.Equal("SE", geo.Locate(IPAddress.Parse("89.160.20.112")).CountryCode);
        Assert.Equal(GeoLocation.Unknown, geo.Locate(IPAddress.Parse("10.0.0.1")));
        Assert.Equal(GeoLocation.Unknown, geo.Locate(null));
    }

    [Theory]
    [InlineData("maxmind/MaxMind-DB-test-decoder.mmdb")] // every data type MaxMind DB has, in a layout that is not GeoIP2's
    [InlineData("maxmind/MaxMind-DB-test-ipv4-24.mmdb")] // an IPv4-only tree: IPv6 addresses are unknown, not an error
    public void OtherLayouts_OpenAndAnswerUnknownWhereTheyHoldNoLocation(string file)
    {
        using var geo = GeoLookup.Open(Conformance.File(file), Silent);

        Assert.Equal(GeoLocation.Unknown, geo.Locate(IPAddress.Parse("1.1.1.1")));
        Assert.Equal(GeoLocation.Unknown, geo.Locate(IPAddress.Parse("2001:db8::1")));
        Assert.Null(geo.Problem);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(21000)]
    public void TruncatedFile_FailsAtOpenOrIsSaidOnFirstUse_NamingTheFile(int keep)
    {
        var original = File.ReadAllBytes(Conformance.File("maxmind/GeoIP2-City-Test.mmdb"));
        // Keep the head of the file (or nothing) but the metadata at its end, so the tree points past the data.
        AssertRefusedAtOpenOrFirstUse([.. original.AsSpan(0, keep), .. original.AsSpan(original.Length - 400)]);
    }

    [Fact]
    public void NotAnMmdbFile_FailsAtOpen()
    {
        var error = Assert.Throws<EnrichmentDataException>(() => GeoLookup.Open(Conformance.File("maxmind/GeoIP2-City-Test.json"), Silent));

        Assert.Contains("not a valid MaxMind DB file", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Damage inside the search tree (pointers past the data) and inside the data section (bytes that decode to no valid
    /// type), which MaxMind's readers refuse: the file fails at open, or the first lookup that meets the damage says so in
    /// one line naming the file, and every lookup still answers (never an exception in the collect path).
    /// </summary>
    [Theory]
    [InlineData("tree")]
    [InlineData("data")]
    public void DamagedTreeOrData_FailsAtOpenOrIsSaidOnFirstUse_NamingTheFile(string where)
    {
        var path = Conformance.File("maxmind/GeoIP2-City-Test.mmdb");
        var bytes = File.ReadAllBytes(path);
        // The format puts 16 zero bytes between the search tree and the data section.
        var treeSize = bytes.AsSpan().IndexOf(new byte[16]);
        Assert.InRange(treeSize, 1000, bytes.Length / 2);

        var start = where == "tree" ? treeSize / 2 : treeSize + 16;
        Array.Fill(bytes, (byte)0xFF, start, 64);
        AssertRefusedAtOpenOrFirstUse(bytes);
    }

    /// <summary>The file fails at open naming it, or a lookup of the test database's networks says so once, naming it; no lookup throws.</summary>
    private static void AssertRefusedAtOpenOrFirstUse(byte[] bytes)
    {
        using var file = new TemporaryFile(bytes);
        var said = new List<string>();

        GeoLookup geo;
        try
        {
            geo = GeoLookup.Open(file.Path, said.Add);
        }
        catch (EnrichmentDataException e)
        {
            Assert.Contains(file.Path, e.Message, StringComparison.Ordinal);
            return;
        }

        using (geo)
        {
            foreach (var entry in JsonNode.Parse(File.ReadAllText(Conformance.File("maxmind/GeoIP2-City-Test.json")))!.AsArray())
            {
                var (first, last) = Range(entry!.AsObject().Single().Key);
                geo.Locate(first);
                geo.Locate(last);
            }
        }

        var line = Assert.Single(said);
        Assert.Contains(file.Path, line, StringComparison.Ordinal);
        Assert.NotNull(geo.Problem);
    }

    [Fact]
    public async Task DefaultDatabase_DbIpCountry_LocatesWellKnownAddresses()
    {
        using var geo = await GeoLookup.OpenAsync(null, Console.Error.WriteLine, CancellationToken.None);

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

    private sealed class TemporaryFile : IDisposable
    {
        public TemporaryFile(byte[] bytes)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"geo-{Guid.NewGuid():N}.mmdb");
            File.WriteAllBytes(Path, bytes);
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}
