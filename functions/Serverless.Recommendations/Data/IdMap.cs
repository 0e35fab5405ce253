using System.Collections;

namespace Serverless.Recommendations.Data;

/// <summary>
/// Maps string ids (users, items) to dense indices 0..Count-1 and back. Ids are kept in ordinal
/// order, so the same set of ids always gets the same indices whatever order the rows came in.
/// </summary>
public sealed class IdMap : IReadOnlyList<string>
{
    private readonly string[] _ids;
    private readonly Dictionary<string, int> _indices;

    private IdMap(string[] orderedIds)
    {
        _ids = orderedIds;
        _indices = new Dictionary<string, int>(orderedIds.Length, StringComparer.Ordinal);
        for (var i = 0; i < orderedIds.Length; i++)
        {
            if (!_indices.TryAdd(orderedIds[i], i)) throw new ArgumentException($"Duplicate id '{orderedIds[i]}' in id map.");
        }
    }

    /// <summary>Builds a map from distinct ids in any order; indices follow ordinal order.</summary>
    public static IdMap FromIds(IEnumerable<string> ids)
    {
        var ordered = ids.ToArray();
        Array.Sort(ordered, StringComparer.Ordinal);
        return new IdMap(ordered);
    }

    public int Count => _ids.Length;

    public string this[int index] => _ids[index];

    /// <summary>The dense index of an id, or -1 when the id is unknown.</summary>
    public int IndexOf(string id) => _indices.TryGetValue(id, out var index) ? index : -1;

    public bool Contains(string id) => _indices.ContainsKey(id);

    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)_ids).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void WriteTo(BinaryWriter writer)
    {
        writer.Write(_ids.Length);
        foreach (var id in _ids) writer.Write(id);
    }

    public static IdMap ReadFrom(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        if (count < 0) throw new InvalidDataException($"Id map has a negative count ({count}).");
        // Each id takes at least one byte, so a count beyond what is left is a corrupt stream, not an allocation to try.
        if (reader.BaseStream.CanSeek && count > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new InvalidDataException($"Id map claims {count} ids, more than the stream holds.");
        }
        var ids = new string[count];
        for (var i = 0; i < count; i++) ids[i] = reader.ReadString();
        for (var i = 1; i < count; i++)
        {
            if (string.CompareOrdinal(ids[i - 1], ids[i]) >= 0) throw new InvalidDataException("Id map is not in ordinal order.");
        }
        return new IdMap(ids);
    }
}
