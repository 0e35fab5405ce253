namespace Serverless.Recommendations.Data;

/// <summary>
/// A sparse matrix in compressed sparse row form, with column indices sorted within each row.
/// Its transpose is the compressed-column view of the same data (items by users).
/// </summary>
public sealed class CsrMatrix
{
    public CsrMatrix(int rows, int columns, int[] rowPointers, int[] columnIndices, float[] values)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (rowPointers.Length != rows + 1) throw new ArgumentException($"Expected {rows + 1} row pointers, got {rowPointers.Length}.", nameof(rowPointers));
        if (columnIndices.Length != values.Length) throw new ArgumentException("Column indices and values differ in length.", nameof(values));
        if (rowPointers[rows] != values.Length) throw new ArgumentException("The last row pointer must equal the number of non-zeros.", nameof(rowPointers));
        Rows = rows;
        Columns = columns;
        RowPointers = rowPointers;
        ColumnIndices = columnIndices;
        Values = values;
    }

    public int Rows { get; }
    public int Columns { get; }
    public int[] RowPointers { get; }
    public int[] ColumnIndices { get; }
    public float[] Values { get; }
    public int NonZeros => Values.Length;

    public int RowLength(int row) => RowPointers[row + 1] - RowPointers[row];

    public ReadOnlySpan<int> RowColumns(int row) => ColumnIndices.AsSpan(RowPointers[row], RowLength(row));

    public ReadOnlySpan<float> RowValues(int row) => Values.AsSpan(RowPointers[row], RowLength(row));

    /// <summary>
    /// Builds a matrix from coordinates (duplicates not allowed). Rows and columns are sorted by a
    /// counting sort, so the result does not depend on the input order.
    /// </summary>
    public static CsrMatrix FromCoordinates(int rows, int columns, ReadOnlySpan<int> rowIndex, ReadOnlySpan<int> columnIndex, ReadOnlySpan<float> values)
    {
        if (rowIndex.Length != columnIndex.Length || rowIndex.Length != values.Length)
        {
            throw new ArgumentException("Coordinate arrays differ in length.");
        }

        // Two stable counting passes: by column, then by row, leave each row's columns ascending.
        var byColumn = CountingOrder(columnIndex, columns);
        var rowKeys = new int[rowIndex.Length];
        for (var i = 0; i < byColumn.Length; i++) rowKeys[i] = rowIndex[byColumn[i]];
        var byRow = CountingOrder(rowKeys, rows);

        var pointers = new int[rows + 1];
        foreach (var r in rowIndex) pointers[r + 1]++;
        for (var r = 0; r < rows; r++) pointers[r + 1] += pointers[r];

        var cols = new int[values.Length];
        var vals = new float[values.Length];
        for (var i = 0; i < byRow.Length; i++)
        {
            var source = byColumn[byRow[i]];
            cols[i] = columnIndex[source];
            vals[i] = values[source];
        }

        for (var r = 0; r < rows; r++)
        {
            for (var p = pointers[r] + 1; p < pointers[r + 1]; p++)
            {
                if (cols[p] == cols[p - 1]) throw new ArgumentException($"Duplicate entry at row {r}, column {cols[p]}.");
            }
        }
        return new CsrMatrix(rows, columns, pointers, cols, vals);
    }

    /// <summary>The transpose (the compressed-column form of this matrix).</summary>
    public CsrMatrix Transpose()
    {
        var pointers = new int[Columns + 1];
        foreach (var c in ColumnIndices) pointers[c + 1]++;
        for (var c = 0; c < Columns; c++) pointers[c + 1] += pointers[c];

        var next = pointers[..^1];
        var rowsOut = new int[NonZeros];
        var valuesOut = new float[NonZeros];
        for (var r = 0; r < Rows; r++)
        {
            for (var p = RowPointers[r]; p < RowPointers[r + 1]; p++)
            {
                var slot = next[ColumnIndices[p]]++;
                rowsOut[slot] = r;
                valuesOut[slot] = Values[p];
            }
        }
        return new CsrMatrix(Columns, Rows, pointers, rowsOut, valuesOut);
    }

    /// <summary>A matrix with the same pattern and values transformed (for example weight to confidence).</summary>
    public CsrMatrix WithValues(Func<float, float> transform)
    {
        var values = new float[NonZeros];
        for (var i = 0; i < values.Length; i++) values[i] = transform(Values[i]);
        return new CsrMatrix(Rows, Columns, RowPointers, ColumnIndices, values);
    }

    /// <summary>Number of non-zeros in each column (for items: how many users have each item).</summary>
    public int[] ColumnCounts()
    {
        var counts = new int[Columns];
        foreach (var c in ColumnIndices) counts[c]++;
        return counts;
    }

    public void WriteTo(BinaryWriter writer)
    {
        writer.Write(Rows);
        writer.Write(Columns);
        writer.Write(NonZeros);
        foreach (var p in RowPointers) writer.Write(p);
        foreach (var c in ColumnIndices) writer.Write(c);
        foreach (var v in Values) writer.Write(v);
    }

    public static CsrMatrix ReadFrom(BinaryReader reader)
    {
        var rows = reader.ReadInt32();
        var columns = reader.ReadInt32();
        var nonZeros = reader.ReadInt32();
        if (rows < 0 || columns < 0 || nonZeros < 0) throw new InvalidDataException("Sparse matrix header has negative sizes.");
        if (reader.BaseStream.CanSeek && 4L * (rows + 1) + 8L * nonZeros > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new InvalidDataException($"Sparse matrix claims {rows} rows and {nonZeros} non-zeros, more than the stream holds.");
        }
        var pointers = new int[rows + 1];
        for (var i = 0; i < pointers.Length; i++) pointers[i] = reader.ReadInt32();
        var cols = new int[nonZeros];
        for (var i = 0; i < nonZeros; i++)
        {
            cols[i] = reader.ReadInt32();
            if ((uint)cols[i] >= (uint)columns) throw new InvalidDataException($"Column index {cols[i]} out of range.");
        }
        var values = new float[nonZeros];
        for (var i = 0; i < nonZeros; i++) values[i] = reader.ReadSingle();
        try
        {
            return new CsrMatrix(rows, columns, pointers, cols, values);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Sparse matrix is inconsistent: {e.Message}", e);
        }
    }

    private static int[] CountingOrder(ReadOnlySpan<int> keys, int keyCount)
    {
        var starts = new int[keyCount + 1];
        foreach (var k in keys)
        {
            if ((uint)k >= (uint)keyCount) throw new ArgumentOutOfRangeException(nameof(keys), $"Index {k} outside 0..{keyCount - 1}.");
            starts[k + 1]++;
        }
        for (var k = 0; k < keyCount; k++) starts[k + 1] += starts[k];
        var order = new int[keys.Length];
        for (var i = 0; i < keys.Length; i++) order[starts[keys[i]]++] = i;
        return order;
    }
}
