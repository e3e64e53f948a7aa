using System.Runtime.InteropServices;
using System.Text;

namespace ActorTracing.Streams.Kafka.Tests;

/// <summary>
/// The few librdkafka C functions that drive its mock cluster. Confluent.Kafka does not wrap the
/// mock API, so the tests call it directly: the cluster is owned by a bare rd_kafka_t created
/// here, and every client (the tests' producer, the consumers under test) reaches it over TCP
/// only, so nothing depends on sharing a handle with Confluent.Kafka's copy of the library.
/// </summary>
internal static partial class LibrdkafkaMock
{
    private const string Library = "librdkafka";
    private const int ProducerType = 0;
    private const int ConfOk = 0;

    /// <summary>Kafka API key of OffsetCommit (what a consumer's commit sends).</summary>
    public const short OffsetCommitApiKey = 8;

    /// <summary>Kafka API key of OffsetFetch (the committed-offsets request of a lag query).</summary>
    public const short OffsetFetchApiKey = 9;

    // librdkafka.redist ships several Linux builds; the default one links libsasl2.so.3, which
    // Debian 12 does not have, so the others are tried after it.
    static LibrdkafkaMock() => NativeLibrary.SetDllImportResolver(typeof(LibrdkafkaMock).Assembly, (name, assembly, path) =>
    {
        if (name != Library)
        {
            return 0;
        }
        var native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(), "native");
        foreach (var candidate in new[] { Path.Combine(native, "librdkafka.so"), Path.Combine(native, "centos8-librdkafka.so"), Path.Combine(native, "alpine-librdkafka.so") })
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                return handle;
            }
        }
        return NativeLibrary.TryLoad(name, assembly, path, out var fallback) ? fallback : 0;
    });

    /// <summary>A bare producer handle that hosts a mock cluster of <paramref name="brokers"/> brokers.</summary>
    public static nint NewClusterHost(int brokers)
    {
        var errors = new byte[512];
        var conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "test.mock.num.brokers", brokers.ToString(System.Globalization.CultureInfo.InvariantCulture), errors, (nuint)errors.Length) != ConfOk)
        {
            rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException("rd_kafka_conf_set(test.mock.num.brokers): " + Text(errors));
        }
        // rd_kafka_new frees conf when it succeeds; when it fails conf is still ours.
        var handle = rd_kafka_new(ProducerType, conf, errors, (nuint)errors.Length);
        if (handle == 0)
        {
            rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException("rd_kafka_new: " + Text(errors));
        }
        return handle;
    }

    public static nint Cluster(nint host) => rd_kafka_handle_mock_cluster(host) is var cluster and not 0
        ? cluster
        : throw new InvalidOperationException("the handle hosts no mock cluster");

    public static string Bootstraps(nint cluster) => Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(cluster))
        ?? throw new InvalidOperationException("the mock cluster reported no bootstrap servers");

    /// <summary>The next <paramref name="errors"/>.Length requests of <paramref name="apiKey"/> (any broker, any client) fail with these codes, in order.</summary>
    public static void PushRequestErrors(nint cluster, short apiKey, params Confluent.Kafka.ErrorCode[] errors) =>
        rd_kafka_mock_push_request_errors_array(cluster, apiKey, (nuint)errors.Length, errors.Select(e => (int)e).ToArray());

    /// <summary>Metadata responses report <paramref name="error"/> for <paramref name="topic"/> until set back to NoError.</summary>
    public static void SetTopicError(nint cluster, string topic, Confluent.Kafka.ErrorCode error) =>
        rd_kafka_mock_topic_set_error(cluster, topic, (int)error);

    /// <summary>
    /// Creates <paramref name="topic"/> with <paramref name="partitions"/> partitions directly in the
    /// mock (not through the CreateTopics API, which waits for a controller the mock never elects).
    /// </summary>
    public static void CreateTopic(nint cluster, string topic, int partitions)
    {
        var error = rd_kafka_mock_topic_create(cluster, topic, partitions, 1);
        if (error != 0)
        {
            throw new InvalidOperationException($"rd_kafka_mock_topic_create({topic}, {partitions}): {(Confluent.Kafka.ErrorCode)error}");
        }
    }

    /// <summary>How long the group coordinator waits for more members before the first assignment of an empty group.</summary>
    public static void SetInitialRebalanceDelay(nint cluster, TimeSpan delay) =>
        rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, (int)delay.TotalMilliseconds);

    public static void Destroy(nint host) => rd_kafka_destroy(host);

    private static string Text(byte[] nulTerminated) =>
        Encoding.UTF8.GetString(nulTerminated, 0, Math.Max(0, Array.IndexOf(nulTerminated, (byte)0)));

    [LibraryImport(Library)]
    private static partial nint rd_kafka_conf_new();

    [LibraryImport(Library)]
    private static partial void rd_kafka_conf_destroy(nint conf);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_conf_set(nint conf, string name, string value, [Out] byte[] errstr, nuint errstrSize);

    [LibraryImport(Library)]
    private static partial nint rd_kafka_new(int type, nint conf, [Out] byte[] errstr, nuint errstrSize);

    [LibraryImport(Library)]
    private static partial void rd_kafka_destroy(nint rk);

    [LibraryImport(Library)]
    private static partial nint rd_kafka_handle_mock_cluster(nint rk);

    // Returns a pointer owned by the cluster: read, never freed (hence nint, not string).
    [LibraryImport(Library)]
    private static partial nint rd_kafka_mock_cluster_bootstraps(nint cluster);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_push_request_errors_array(nint cluster, short apiKey, nuint count, int[] errors);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial void rd_kafka_mock_topic_set_error(nint cluster, string topic, int error);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_mock_topic_create(nint cluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_group_initial_rebalance_delay_ms(nint cluster, int delayMs);
}
