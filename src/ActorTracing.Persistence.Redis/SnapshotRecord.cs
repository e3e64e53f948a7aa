using System.Buffers.Binary;

namespace ActorTracing.Persistence.Redis;

/// <summary>
/// A stored snapshot: [1 byte format version][8 bytes timestamp ticks, little endian][snapshot bytes as
/// Akka's persistence snapshot serializer wrote them]. The timestamp sits in front so loads and
/// deletes with timestamp bounds can filter without deserializing the (possibly large) state.
/// </summary>
internal static class SnapshotRecord
{
    private const byte FormatVersion = 1;
    private const int HeaderLength = 1 + sizeof(long);

    public static byte[] Encode(DateTime timestamp, ReadOnlySpan<byte> snapshot)
    {
        var record = new byte[HeaderLength + snapshot.Length];
        record[0] = FormatVersion;
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(1), timestamp.Ticks);
        snapshot.CopyTo(record.AsSpan(HeaderLength));
        return record;
    }

    /// <exception cref="InvalidDataException">Not a record this version wrote.</exception>
    public static DateTime ReadTimestamp(ReadOnlySpan<byte> record)
    {
        Check(record);
        return new DateTime(BinaryPrimitives.ReadInt64LittleEndian(record[1..]), DateTimeKind.Utc);
    }

    public static byte[] ReadSnapshot(ReadOnlySpan<byte> record)
    {
        Check(record);
        return record[HeaderLength..].ToArray();
    }

    private static void Check(ReadOnlySpan<byte> record)
    {
        if (record.Length < HeaderLength || record[0] != FormatVersion)
        {
            throw new InvalidDataException($"Not a Redis snapshot record of format {FormatVersion} ({record.Length} bytes)");
        }
    }
}
