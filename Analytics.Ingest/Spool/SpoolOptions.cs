using System.ComponentModel.DataAnnotations;

namespace Analytics.Ingest.Spool;

/// <summary>Settings of section <c>Spool</c>: where accepted events wait for ClickHouse, and how much may wait.</summary>
internal sealed class SpoolOptions
{
    public const string Section = "Spool";

    /// <summary>Default: <c>spool/</c> in the data directory.</summary>
    public string? Directory { get; set; }

    /// <summary>Past this many bytes waiting, collect answers 503 instead of accepting more.</summary>
    [Range(1_048_576, long.MaxValue, ErrorMessage = "Spool:MaxBytes must be at least 1 MiB.")]
    public long MaxBytes { get; set; } = 1L << 30;

    /// <summary>Collect answers 503 when the disk has less free space than this.</summary>
    [Range(0, long.MaxValue, ErrorMessage = "Spool:MinFreeDiskBytes must not be negative.")]
    public long MinFreeDiskBytes { get; set; } = 256L << 20;

    /// <summary>
    /// A segment is sealed (and becomes one insert) at this many events... Fewer, larger inserts cost the engine less
    /// an event (parts and merges): at full collect speed on two cores, 25,000 took its CPU from 26-31 to 16-19 µs an
    /// event against 10,000 (docs/benchmarks.md).
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "Spool:SegmentMaxEvents must be between 1 and 1000000.")]
    public int SegmentMaxEvents { get; set; } = 25_000;

    /// <summary>
    /// ...or when its next event would not fit in this many bytes. A segment is written with zeros to this size before
    /// its first event (in the background), so an acknowledgement's sync writes data only (<c>fdatasync</c>), never the
    /// file's size: a size change waits for the file system's journal, which ClickHouse's merges fill.
    /// </summary>
    [Range(65_536, 1L << 30, ErrorMessage = "Spool:SegmentBytes must be between 64 KiB and 1 GiB.")]
    public long SegmentBytes { get; set; } = 8L << 20;

    /// <summary>...or this long after its first event, whichever comes first: the freshness bound at light load.</summary>
    [Range(10, 60_000, ErrorMessage = "Spool:SealAfterMs must be between 10 and 60000.")]
    public int SealAfterMs { get; set; } = 1_000;
}
