using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Catalog;
using Analytics.Ingest.Events;
using Analytics.Ingest;
using Analytics.Ingest.Spool;
using Analytics.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

using NodaTime;

namespace Analytics.Tests.Ingest;

public sealed class SpoolTests(Engines engines)
{
    private sealed record Count(ulong N);

    private static byte[] Event(int i) => EventRowBinary.EncodeRow(Row(i));

    /// <summary>A record as segments held it before RowBinary: one JSONEachRow line.</summary>
    private static byte[] JsonEvent(int i) => ClickHouseJson.Encode([Row(i)])[..^1];

    private static EventRow Row(int i) => new()
    {
        PropertyId = 1,
        DayZone = DateTimeZone.Utc,
        Timestamp = new DateTime(2026, 11, 1, 12, 0, 0, DateTimeKind.Utc).AddSeconds(i),
        Name = "pageview",
        VisitorId = (ulong)i,
        SessionStart = new DateTime(2026, 11, 1, 12, 0, 0, DateTimeKind.Utc).AddSeconds(i),
        SessionFirst = 1,
        BounceDelta = 1,
        Pathname = $"/p{i}",
        Props = new Dictionary<string, string> { ["id"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
    };

    private string NewDirectory() => Path.Combine(engines.Root, "spool-" + Guid.NewGuid().ToString("N"));

    private static EventSpool Open(string directory, SpoolOptions? options = null)
        => new(options ?? new SpoolOptions { SealAfterMs = 50 }, directory, Instruments.NewMetrics(), NullLogger<EventSpool>.Instance);

    private static async Task<ulong> CountAsync(IClickHouse clickHouse)
        => (await clickHouse.QueryAsync<Count>("SELECT count() AS n FROM events")).Single().N;

    [Fact]
    public async Task ConcurrentAppends_AreAllOnDisk_ThenEachInsertedOnce()
    {
        var clickHouse = await engines.NewClickHouseAsync();
        var directory = NewDirectory();
        await using (var spool = Open(directory, new SpoolOptions { SealAfterMs = 50, SegmentMaxEvents = 700 }))
        {
            await Task.WhenAll(Enumerable.Range(0, 5_000).Select(i => Task.Run(() => spool.AppendAsync(Event(i)))));
            var batcher = new SpoolBatcher(spool, clickHouse, Instruments.NewMetrics(), NullLogger<SpoolBatcher>.Instance);
            await spool.CompleteAsync(); // seals the active segment: no waiting on the timer
            Assert.True(spool.ReadySegments().Count >= 7, $"{spool.ReadySegments().Count} segments");
            Assert.True(await batcher.DrainAsync(CancellationToken.None));
            Assert.Empty(spool.ReadySegments());
            Assert.Equal(0, spool.Bytes);
        }

        Assert.Equal(5_000UL, await CountAsync(clickHouse));
        var distinct = await clickHouse.QueryAsync<Count>("SELECT uniqExact(props['id']) AS n FROM events");
        Assert.Equal(5_000UL, distinct.Single().N);
    }

    [Fact]
    public async Task SegmentReplayedAfterCrash_IsNotInsertedTwice()
    {
        var clickHouse = await engines.NewClickHouseAsync();
        var directory = NewDirectory();
        await using var spool = Open(directory);
        await Task.WhenAll(Enumerable.Range(0, 300).Select(i => spool.AppendAsync(Event(i))));
        await spool.CompleteAsync(); // seals the active segment: no waiting on the timer
        var segment = Assert.Single(spool.ReadySegments());
        var copy = segment + ".copy";
        File.Copy(segment, copy);
        var batcher = new SpoolBatcher(spool, clickHouse, Instruments.NewMetrics(), NullLogger<SpoolBatcher>.Instance);
        Assert.True(await batcher.DrainAsync(CancellationToken.None));

        // A crash between ClickHouse's confirmation and the delete leaves the segment behind: it is inserted again.
        File.Move(copy, segment);
        Assert.True(await batcher.DrainAsync(CancellationToken.None));

        Assert.Equal(300UL, await CountAsync(clickHouse));
        var views = await clickHouse.QueryAsync<Count>("SELECT sum(pageviews) AS n FROM rollup_property");
        Assert.Equal(300UL, views.Single().N);
    }

    [Fact]
    public async Task BatchInsertedThenCrash_IsInsertedAgainAsTheSameGroup_WhateverSealedSince_NeverTwice()
    {
        var clickHouse = await engines.NewClickHouseAsync();
        var directory = NewDirectory();
        await using (var spool = Open(directory, new SpoolOptions { SealAfterMs = 50, SegmentMaxEvents = 100 }))
        {
            await Task.WhenAll(Enumerable.Range(0, 300).Select(i => spool.AppendAsync(Event(i))));
            await spool.CompleteAsync();
            Assert.Equal(3, spool.ReadySegments().Count);

            // The batcher fixed a batch of the three and ClickHouse took it; the process died before deleting anything.
            var batch = Assert.Single(spool.NewBatches());
            Assert.Equal(3, batch.Segments.Count);
            var rows = EventRowBinary.Header.Concat(batch.Segments.SelectMany(s => SegmentFormat.Read(s).Records).SelectMany(r => r)).ToArray();
            await EventRowBinary.InsertAsync(clickHouse, "events", rows, ClickHouseSettings.Deduplicated(batch.Token));
        }

        // After the restart more segments are sealed; then a crash while completing deleted one segment of the batch.
        await using (var spool = Open(directory, new SpoolOptions { SealAfterMs = 50, SegmentMaxEvents = 100 }))
        {
            await Task.WhenAll(Enumerable.Range(300, 150).Select(i => spool.AppendAsync(Event(i))));
            await spool.CompleteAsync();
            var fixedBatch = Assert.Single(spool.FixedBatches());
            File.Delete(fixedBatch.Segments[0]);

            var batcher = new SpoolBatcher(spool, clickHouse, Instruments.NewMetrics(), NullLogger<SpoolBatcher>.Instance);
            Assert.True(await batcher.DrainAsync(CancellationToken.None));
            Assert.Empty(Directory.GetFiles(directory));
        }

        Assert.Equal(450UL, await CountAsync(clickHouse));
        Assert.Equal(450UL, (await clickHouse.QueryAsync<Count>("SELECT uniqExact(props['id']) AS n FROM events")).Single().N);
        Assert.Equal(450UL, (await clickHouse.QueryAsync<Count>("SELECT sum(events) AS n FROM rollup_hourly")).Single().N);
    }

    [Fact]
    public void CompleteRecordWithADamagedByte_EndsTheValidPrefix()
    {
        var path = Path.Combine(NewDirectory(), "damaged.open");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var file = File.Create(path))
        {
            SegmentFormat.Write(file, SegmentFormat.CurrentHeader);
            for (var i = 0; i < 3; i++)
            {
                SegmentFormat.Write(file, Event(i));
            }
        }

        var whole = SegmentFormat.Read(path);
        var bytes = File.ReadAllBytes(path);
        var second = (2 * SegmentFormat.HeaderSize) + SegmentFormat.CurrentHeader.Length + whole.Records[0].Length;
        bytes[second + SegmentFormat.HeaderSize + 5] ^= 0x20; // one bit of the second record's payload; its length still fits
        File.WriteAllBytes(path, bytes);

        var damaged = SegmentFormat.Read(path);

        Assert.Equal(3, whole.Records.Count);
        Assert.Single(damaged.Records);
        Assert.Equal(second, damaged.ValidLength);
    }

    [Theory]
    [InlineData(".open")]
    [InlineData(".spare")] // written to, then the crash came before its rename to .open was on disk
    public async Task OpenSegmentLeftByCrash_KeepsItsWholeRecords_DropsTheTornTail(string suffix)
    {
        var directory = NewDirectory();
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "0638990000000000000-abcdef012345" + suffix);
        await using (var file = File.Create(path))
        {
            SegmentFormat.Write(file, SegmentFormat.CurrentHeader);
            for (var i = 0; i < 10; i++)
            {
                SegmentFormat.Write(file, Event(i));
            }

            var torn = new MemoryStream();
            SegmentFormat.Write(torn, Event(10));
            file.Write(torn.ToArray().AsSpan(0, 20)); // the write a crash interrupted
            file.Write(new byte[8192]); // the rest of the segment's prepared zeros
        }

        await using var spool = Open(directory);

        var segment = Assert.Single(spool.ReadySegments());
        var (columns, records, validLength) = SegmentFormat.Read(segment);
        Assert.Equal(EventRowBinary.Header, columns);
        Assert.Equal(10, records.Count);
        Assert.Equal(validLength, new FileInfo(segment).Length);
        Assert.Empty(Directory.GetFiles(directory, "*.open"));
        Assert.Equal(validLength, spool.Bytes);
    }

    [Fact]
    public async Task SegmentsOfJsonLines_FromBeforeRowBinary_AreInsertedInBatchesOfTheirOwn_EachEventOnce()
    {
        var clickHouse = await engines.NewClickHouseAsync();
        var directory = NewDirectory();
        Directory.CreateDirectory(directory);
        for (var segment = 0; segment < 2; segment++)
        {
            using var file = File.Create(Path.Combine(directory, $"063899000000000000{segment}-abcdef012345.ready"));
            for (var i = segment * 50; i < (segment + 1) * 50; i++)
            {
                SegmentFormat.Write(file, JsonEvent(i));
            }
        }

        await using (var spool = Open(directory, new SpoolOptions { SealAfterMs = 50, SegmentMaxEvents = 100 }))
        {
            await Task.WhenAll(Enumerable.Range(100, 200).Select(i => spool.AppendAsync(Event(i))));
            await spool.CompleteAsync();
            var batches = spool.NewBatches();
            Assert.Equal(2, batches.Count); // the two JSON segments, then the RowBinary ones: one insert cannot mix them
            Assert.Equal(2, batches[0].Segments.Count);
            Assert.All(batches[0].Segments, s => Assert.Null(SegmentFormat.Read(s).Columns));
            Assert.All(batches[1].Segments, s => Assert.Equal(EventRowBinary.Header, SegmentFormat.Read(s).Columns));

            var batcher = new SpoolBatcher(spool, clickHouse, Instruments.NewMetrics(), NullLogger<SpoolBatcher>.Instance);
            Assert.True(await batcher.DrainAsync(CancellationToken.None));
            Assert.Empty(Directory.GetFiles(directory));
        }

        Assert.Equal(300UL, await CountAsync(clickHouse));
        Assert.Equal(300UL, (await clickHouse.QueryAsync<Count>("SELECT uniqExact(props['id']) AS n FROM events")).Single().N);
        Assert.Equal(300UL, (await clickHouse.QueryAsync<Count>("SELECT countIf(pathname = concat('/p', props['id']) AND visitor_id = toUInt64(props['id'])) AS n FROM events")).Single().N);
    }

    /// <summary>
    /// A segment as collect wrote it before migration 0026, with each visit's id stored after the visitor and the
    /// previous page after the scroll gain: the table derives the ids now (0026) and no longer has the previous page
    /// (0031), so the batcher leaves both out, and every event goes in once with its derived id.
    /// </summary>
    [Fact]
    public async Task SegmentWrittenByAnEarlierVersion_IsInsertedWithoutTheColumnsTheTableDerivesOrNoLongerHas_EachEventOnce()
    {
        var clickHouse = await engines.NewClickHouseAsync();
        var directory = NewDirectory();
        Directory.CreateDirectory(directory);
        var columns = EventsTable.Columns.ToList(); // every column, the id among them
        columns.Insert(columns.FindIndex(c => c.Name == "scroll_gain") + 1, new EventColumn("prev_pathname", "String"));
        using (var file = File.Create(Path.Combine(directory, "0638990000000000000-abcdef012345.ready")))
        {
            SegmentFormat.Write(file, [.. "RowBinaryWithNamesAndTypes\n"u8, .. EventRowBinary.EncodeHeader(columns)]);
            for (var i = 0; i < 50; i++)
            {
                var row = Event(i);
                const int Visitor = 8 + 8 + 2 + 1 + 8 + 8; // property, timestamp, day, the name "pageview" (its length, its bytes), visitor
                const int Gain = Visitor + 8 + 2 + 1 + 1 + 4 + 1 + 1; // the visit's start and day, first, bounce, duration, engaged, scroll gain
                byte[] previous = [5, .. "/prev"u8];
                SegmentFormat.Write(file, [.. row[..Visitor], .. BitConverter.GetBytes(1_000_000UL + (ulong)i), .. row[Visitor..Gain], .. previous, .. row[Gain..]]);
            }
        }

        await using (var spool = Open(directory))
        {
            await spool.CompleteAsync();
            var batcher = new SpoolBatcher(spool, clickHouse, Instruments.NewMetrics(), NullLogger<SpoolBatcher>.Instance);
            Assert.True(await batcher.DrainAsync(CancellationToken.None));
            Assert.Empty(Directory.GetFiles(directory));
        }

        var expected = Enumerable.Range(0, 50).Select(i => $"{Row(i).SessionId} /p{i}").Order(StringComparer.Ordinal);
        Assert.Equal(expected, (await clickHouse.QueryAsync<Text>("SELECT concat(toString(session_id), ' ', pathname) AS value FROM events ORDER BY value")).Select(r => r.Value));
    }

    private sealed record Text(string Value);

    [Fact]
    public async Task SpareSegmentGone_FailsOneWrite_ThenTheNextSpareTakesOver()
    {
        var directory = NewDirectory();
        await using var spool = Open(directory);
        string[] spares;
        while ((spares = Directory.GetFiles(directory, "*.spare")).Length == 0)
        {
            await Task.Delay(10);
        }

        File.Delete(Assert.Single(spares)); // e.g. an operator's cleanup

        await Assert.ThrowsAsync<SpoolFullException>(() => spool.AppendAsync(Event(0)));
        await spool.AppendAsync(Event(1));
        await spool.CompleteAsync();
        Assert.Equal(1, spool.ReadySegments().Sum(s => SegmentFormat.Read(s).Records.Count));
    }

    [Fact]
    public async Task Segments_AreWrittenInsideTheirPreparedSize_ThenCutToTheirRecords()
    {
        var directory = NewDirectory();
        var options = new SpoolOptions { SegmentBytes = 65_536, SealAfterMs = 60_000 };
        var sizes = new List<long>();
        await using (var spool = Open(directory, options))
        {
            for (var i = 0; i < 2_000; i++)
            {
                await spool.AppendAsync(Event(i));
                var open = Assert.Single(Directory.GetFiles(directory, "*.open"));
                sizes.Add(new FileInfo(open).Length); // acknowledged, and the file's size never moved
            }

            await spool.CompleteAsync();
            var ready = spool.ReadySegments();
            Assert.True(ready.Count >= 4, $"{ready.Count} segments"); // sealed when full
            var read = ready.Select(SegmentFormat.Read).ToList();
            Assert.Equal(2_000, read.Sum(r => r.Records.Count));
            Assert.All(ready.Zip(read), s => Assert.Equal(s.Second.ValidLength, new FileInfo(s.First).Length));
            Assert.Equal(read.Sum(r => r.ValidLength), spool.Bytes);
            Assert.Empty(Directory.GetFiles(directory, "*.spare"));
            Assert.Empty(Directory.GetFiles(directory, "*.open"));
        }

        Assert.All(sizes, size => Assert.Equal(65_536, size));
    }

    [Fact]
    public async Task SizeCapReached_RefusesInsteadOfAccepting()
    {
        var directory = NewDirectory();
        await using var spool = Open(directory, new SpoolOptions { MaxBytes = 1_048_576, SealAfterMs = 50 });
        var big = new byte[200_000];
        big.AsSpan().Fill((byte)'x');

        var accepted = 0;
        var refused = 0;
        for (var i = 0; i < 10; i++)
        {
            try
            {
                await spool.AppendAsync(big);
                accepted++;
            }
            catch (SpoolFullException)
            {
                refused++;
            }
        }

        Assert.Equal(5, accepted);
        Assert.Equal(5, refused);
        Assert.True(spool.Bytes <= 1_048_576);
    }

    [Fact]
    public async Task ClickHouseFailing_KeepsSegments_ThenDrainsThemOnceItAnswers()
    {
        var bare = await engines.NewBareClickHouseAsync(); // no events table yet: every insert fails
        var directory = NewDirectory();
        await using var spool = Open(directory);
        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => spool.AppendAsync(Event(i))));
        await spool.CompleteAsync(); // seals the active segment: no waiting on the timer
        var metrics = Instruments.NewMetrics(out var meters);
        using var insertFailures = Instruments.Collect(meters, "analytics.insert.failures");
        var batcher = new SpoolBatcher(spool, bare, metrics, NullLogger<SpoolBatcher>.Instance);

        Assert.False(await batcher.DrainAsync(CancellationToken.None));
        Assert.Single(spool.ReadySegments());
        Assert.Equal(1, insertFailures.Sum());

        await new Analytics.Storage.ClickHouse.Migrations.ClickHouseMigrator(bare, NullLogger<Analytics.Storage.ClickHouse.Migrations.ClickHouseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        Assert.True(await batcher.DrainAsync(CancellationToken.None));

        Assert.Empty(spool.ReadySegments());
        Assert.Equal(100UL, await CountAsync(bare));
    }

    [Fact]
    public async Task InsertNotYetOnDisk_KeepsItsSegments_ThenTheReplayInsertsNothingTwice()
    {
        var faulty = new FaultyClickHouse(await engines.NewClickHouseAsync()) { FlushFailing = true };
        var directory = NewDirectory();
        await using var spool = Open(directory);
        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => spool.AppendAsync(Event(i))));
        await spool.CompleteAsync();
        var batcher = new SpoolBatcher(spool, faulty, Instruments.NewMetrics(), NullLogger<SpoolBatcher>.Instance);

        // ClickHouse took the rows, but they are not known to be on disk: the segments stay, the only other copy.
        Assert.False(await batcher.DrainAsync(CancellationToken.None));
        Assert.Equal(100UL, await CountAsync(faulty));
        Assert.Single(spool.ReadySegments());

        faulty.FlushFailing = false;
        Assert.True(await batcher.DrainAsync(CancellationToken.None));
        Assert.Empty(spool.ReadySegments());
        Assert.Empty(Directory.GetFiles(directory));
        Assert.Equal(100UL, await CountAsync(faulty));
    }
}
