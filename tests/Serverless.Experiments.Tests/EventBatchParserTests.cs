using System.Text;
using Serverless.Experiments.Events;

namespace Serverless.Experiments.Tests;

public class EventBatchParserTests
{
    private static readonly DateTimeOffset T = Fixtures.Start.AddDays(1);
    private readonly ExperimentCatalog _catalog = new([Fixtures.Experiment("ranker"), Fixtures.Experiment("search", variants: 3)]);

    [Fact]
    public void Valid_lines_are_accepted_with_their_fields()
    {
        var batch = Fixtures.ParseLines(_catalog, [
            Fixtures.Event("e1", "ranker", "control", "u1", "exposure", T),
            Fixtures.Event("e2", "search", "treatment2", "u2", "conversion", T.AddMinutes(5), 12.5),
        ]);
        Assert.Equal(2, batch.AcceptedCount);
        Assert.Empty(batch.Quarantined);
        Assert.Equal(["ranker", "search"], batch.ExperimentIds);
        var events = batch.Events().ToList();
        Assert.Equal(new ExperimentEvent("e1", "ranker", "control", "u1", EventType.Exposure, null, T, null), events[0]);
        Assert.Equal(new ExperimentEvent("e2", "search", "treatment2", "u2", EventType.Conversion, 12.5, T.AddMinutes(5), null), events[1]);
    }

    [Theory]
    [InlineData("""{"eventId":"e","experiment":"ranker","variant":"control","type":"exposure","timestamp":"2026-11-02T00:00:00Z"}""", QuarantineReason.MissingField, "user", "missing 'user'")]
    [InlineData("""{"eventId":"e","experiment":"ranker","variant":"control","user":"u","type":"purchase","timestamp":"2026-11-02T00:00:00Z"}""", QuarantineReason.UnknownType, "type", "unknown event type 'purchase'")]
    [InlineData("""{"eventId":"e","experiment":"pricing","variant":"control","user":"u","type":"click","timestamp":"2026-11-02T00:00:00Z"}""", QuarantineReason.UnknownExperiment, "experiment", "unknown experiment 'pricing'")]
    [InlineData("""{"eventId":"e","experiment":"ranker","variant":"treatment2","user":"u","type":"click","timestamp":"2026-11-02T00:00:00Z"}""", QuarantineReason.UnknownVariant, "variant", "has no variant 'treatment2'")]
    [InlineData("""{"eventId":"e","experiment":"ranker","variant":"control","user":"u","type":"click","timestamp":"2026-12-01T00:00:00Z"}""", QuarantineReason.OutsideExperimentWindow, "timestamp", "outside experiment 'ranker'")]
    [InlineData("""{"eventId":"e","experiment":"ranker","variant":"control","user":"u","type":"click","timestamp":"2026-10-31T23:59:59Z"}""", QuarantineReason.OutsideExperimentWindow, "timestamp", "outside experiment 'ranker'")]
    [InlineData("""{"eventId":"e","experiment":"ranker","variant":"control","user":"u","type":"conversion","value":1e999,"timestamp":"2026-11-02T00:00:00Z"}""", QuarantineReason.NonFiniteValue, "value", "not a finite number")]
    [InlineData("""{"eventId":"e","experiment":"ranker","variant":"control","user":"u","type":"conversion","value":"NaN","timestamp":"2026-11-02T00:00:00Z"}""", QuarantineReason.NonFiniteValue, "value", "not a finite number")]
    [InlineData("""{"eventId":"e","experiment":"ranker","variant":"control","user":"u","type":"conversion","value":"12","timestamp":"2026-11-02T00:00:00Z"}""", QuarantineReason.InvalidField, "value", "must be a number")]
    [InlineData("""{"eventId":"e","experiment":"ranker","variant":"control","user":"u","type":"conversion","value":2e9,"timestamp":"2026-11-02T00:00:00Z"}""", QuarantineReason.InvalidField, "value", "beyond")]
    [InlineData("""{"eventId":"e","experiment":"ranker","variant":"control","user":42,"type":"click","timestamp":"2026-11-02T00:00:00Z"}""", QuarantineReason.InvalidField, "user", "must be a string")]
    [InlineData("""{"eventId":"e","experiment":"ranker","variant":"control","user":"","type":"click","timestamp":"2026-11-02T00:00:00Z"}""", QuarantineReason.InvalidField, "user", "is empty")]
    [InlineData("""{"eventId":"e","experiment":"ranker","variant":"control","user":"u","type":"click","timestamp":"2026-11-02T00:00:00"}""", QuarantineReason.InvalidField, "timestamp", "no UTC offset")]
    [InlineData("""{"eventId":"e","experiment":"ranker","variant":"control","user":"u","type":"click","timestamp":"yesterday"}""", QuarantineReason.InvalidField, "timestamp", "not a valid")]
    [InlineData("{\"eventId\":\"e\",\"experiment\":\"ranker\",\"user\":\"u\",\"timestamp\":\"2026-11-02T00:00:00Z\"", QuarantineReason.MalformedJson, null, "malformed JSON")]
    [InlineData("""{"eventId":"e"} trailing""", QuarantineReason.MalformedJson, null, "malformed JSON")]
    [InlineData("""[1,2]""", QuarantineReason.MalformedJson, null, "not a JSON object")]
    public void A_bad_line_is_quarantined_with_line_field_and_reason_and_the_rest_goes_on(string bad, QuarantineReason reason, string? field, string message)
    {
        var batch = Fixtures.ParseLines(_catalog, [
            Fixtures.Event("ok1", "ranker", "control", "u1", "exposure", T),
            bad,
            Fixtures.Event("ok2", "ranker", "treatment1", "u2", "exposure", T),
        ]);
        Assert.Equal(3, batch.RecordCount);
        Assert.Equal(2, batch.AcceptedCount);
        var q = Assert.Single(batch.Quarantined);
        Assert.Equal(reason, q.Reason);
        Assert.Equal(field, q.Field);
        Assert.Equal(2, q.LineNumber);
        Assert.Contains(message, q.Message, StringComparison.Ordinal);
        Assert.StartsWith("events.jsonl line 2", q.Message, StringComparison.Ordinal);
        Assert.Equal(bad, q.Raw);
        Assert.Equal(1, batch.Summarize().QuarantinedByReason[reason.ToString()]);
    }

    [Fact]
    public void Missing_fields_are_all_named()
    {
        var batch = Fixtures.ParseLines(_catalog, ["""{"eventId":"e9","type":"click"}"""]);
        var q = Assert.Single(batch.Quarantined);
        Assert.Equal("e9", q.EventId);
        Assert.Contains("'experiment', 'variant', 'user', 'timestamp'", q.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Escapes_unknown_properties_unix_milliseconds_and_blank_lines_are_handled()
    {
        var ms = T.ToUnixTimeMilliseconds();
        var text = "\uFEFF" + $$"""{"eventId":"e1","extra":{"nested":[1,2]},"experiment":"ranker","variant":"control","user":"u\u0031","type":"click","timestamp":{{ms}}}""" + "\r\n\r\n  \n";
        using var parser = new EventBatchParser(_catalog);
        var batch = parser.ParseJsonLines(Encoding.UTF8.GetBytes(text), "replay.jsonl");
        Assert.True(batch.AcceptedCount == 1, string.Join(" | ", batch.Quarantined.Select(q => q.Message)));
        var e = Assert.Single(batch.Events());
        Assert.Equal("u1", e.UserId);
        Assert.Equal(T, e.Timestamp);
        Assert.Equal(1, batch.RecordCount);
    }

    [Fact]
    public void Line_numbers_continue_across_chunks()
    {
        using var parser = new EventBatchParser(_catalog);
        var batch = parser.ParseJsonLines(Fixtures.Lines(["{}", "nope"]), "big.jsonl", firstLineNumber: 10_001);
        Assert.Equal([10_001, 10_002], batch.Quarantined.Select(q => q.LineNumber!.Value));
    }

    [Fact]
    public void Json_array_bodies_are_parsed_and_bad_elements_quarantined_with_their_line()
    {
        using var parser = new EventBatchParser(_catalog);
        var body = Fixtures.Array([
            Fixtures.Event("e1", "ranker", "control", "u1", "exposure", T),
            "\"not an object\"",
            Fixtures.Event("e3", "ranker", "control", "u3", "sale", T),
        ]);
        var batch = parser.ParseJsonArray(body, "HTTP body");
        Assert.Equal(3, batch.RecordCount);
        Assert.Equal(1, batch.AcceptedCount);
        Assert.Equal([2, 3], batch.Quarantined.Select(q => q.LineNumber!.Value));
        Assert.Equal([QuarantineReason.MalformedJson, QuarantineReason.UnknownType], batch.Quarantined.Select(q => q.Reason));
    }

    [Fact]
    public void A_broken_json_array_is_refused_whole_with_its_position()
    {
        using var parser = new EventBatchParser(_catalog);
        var ex = Assert.Throws<EventBatchFormatException>(() => parser.ParseJsonArray(Encoding.UTF8.GetBytes("[\n{\"eventId\":\"e1\"},\n{\"eventId\": }\n]"), "HTTP body"));
        Assert.Equal(3, ex.Line);
        Assert.StartsWith("HTTP body line 3", ex.Message, StringComparison.Ordinal);
        Assert.Throws<EventBatchFormatException>(() => parser.ParseJsonArray("{}"u8, "HTTP body"));
        Assert.Throws<EventBatchFormatException>(() => parser.ParseJsonArray("[] []"u8, "HTTP body"));
    }

    [Fact]
    public void Content_identity_ignores_framing_and_whitespace_but_not_content()
    {
        var records = new[]
        {
            Fixtures.Event("e1", "ranker", "control", "u1", "exposure", T),
            Fixtures.Event("e2", "ranker", "control", "u1", "click", T),
        };
        using var parser = new EventBatchParser(_catalog);
        var lines = parser.ParseJsonLines(Fixtures.Lines(records), "a.jsonl").Identity;
        var crlf = parser.ParseJsonLines(Encoding.UTF8.GetBytes(string.Join("\r\n\r\n", records.Select(r => "  " + r))), "b.jsonl").Identity;
        var array = parser.ParseJsonArray(Encoding.UTF8.GetBytes("[ " + string.Join(" ,\n\t", records) + " ]"), "body").Identity;
        var other = parser.ParseJsonLines(Fixtures.Lines(records.Reverse()), "c.jsonl").Identity;
        Assert.Equal(BatchIdentityKind.ContentHash, lines.Kind);
        Assert.Equal(lines, crlf);
        Assert.Equal(lines, array);
        Assert.NotEqual(lines, other);
        Assert.Matches("^sha256:[0-9a-f]{64}$", lines.Key);
    }

    [Fact]
    public void Event_hubs_batches_carry_partition_and_sequence_ranges()
    {
        using var parser = new EventBatchParser(_catalog);
        var messages = new List<EventHubsMessage>
        {
            new(100, Encoding.UTF8.GetBytes(Fixtures.Event("e1", "ranker", "control", "u1", "exposure", T))),
            new(101, Fixtures.Array([Fixtures.Event("e2", "ranker", "control", "u2", "exposure", T), Fixtures.Event("e3", "ranker", "control", "u3", "exposure", T)])),
            new(103, "{broken"u8.ToArray()),
        };
        var batch = parser.ParseEventHubs("7", messages);
        Assert.Equal(BatchIdentityKind.EventHubsSequence, batch.Identity.Kind);
        Assert.Equal("eventhubs:7:100-101,103", batch.Identity.Key);
        Assert.Equal([100L, 101, 101], batch.Events().Select(e => e.SequenceNumber!.Value));
        var q = Assert.Single(batch.Quarantined);
        Assert.Equal(103, q.SequenceNumber);
        Assert.StartsWith("event hubs sequence 103", q.Message, StringComparison.Ordinal);
        Assert.Equal(4, batch.RecordCount);
    }

    [Fact]
    public void Parse_only_reader_reads_the_same_records()
    {
        using var parser = new EventBatchParser(_catalog);
        var text = Fixtures.Lines([Fixtures.Event("e1", "ranker", "control", "u1", "exposure", T), "garbage", "", Fixtures.Event("e2", "x", "y", "z", "click", T)]);
        Assert.Equal(2, parser.ReadJsonLinesOnly(text));
    }
}
