package dev.jtune.serve;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything {@code jtune serve} needs, validated once.
 *
 * @param modelBase folder holding {@code <name>/<integer version>/} SavedModels
 * @param host address to bind (loopback by default: exposing the server is an explicit choice)
 * @param port TCP port, 0 for any free port
 * @param maxBodyBytes largest request body accepted; larger ones get 413
 * @param requestTimeout longest a request may wait for its result; then 504
 * @param pollInterval how often the model base is scanned for new versions; zero disables it
 * @param batching dynamic batching knobs, or null for one model call per request
 * @param inferenceThreads parallel model calls when batching is off
 * @param intraOpThreads TF intra-op threads per model call, 0 for TF's default (all cores)
 * @param drainTimeout on shutdown, how long requests in flight may take to finish
 * @param maxRequestElements most tensor elements one request may hold (all its inputs together:
 *     numbers, strings, bools; token ids for raw text); more gets 413 while the body is read
 */
public record ServeConfig(
    Path modelBase,
    String host,
    int port,
    long maxBodyBytes,
    Duration requestTimeout,
    Duration pollInterval,
    BatchingConfig batching,
    int inferenceThreads,
    int intraOpThreads,
    Duration drainTimeout,
    long maxRequestElements) {

  public static final int DEFAULT_PORT = 8501;
  /** 4 Mi elements: 16 MB as float32 or int32, 32 MB as int64 or double. */
  public static final long DEFAULT_MAX_REQUEST_ELEMENTS = 1L << 22;

  public ServeConfig {
    Objects.requireNonNull(modelBase, "modelBase");
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535) throw new dev.jtune.JtuneException("port must be 0..65535, got " + port);
    if (maxBodyBytes < 1024) throw new dev.jtune.JtuneException("max body size must be >= 1024 bytes");
    if (requestTimeout.isNegative() || requestTimeout.isZero()) throw new dev.jtune.JtuneException("request timeout must be > 0");
    if (pollInterval.isNegative()) throw new dev.jtune.JtuneException("poll interval must be >= 0");
    if (inferenceThreads < 1) throw new dev.jtune.JtuneException("inference threads must be >= 1");
    if (intraOpThreads < 0) throw new dev.jtune.JtuneException("intra-op threads must be >= 0");
    if (drainTimeout.isNegative()) throw new dev.jtune.JtuneException("drain timeout must be >= 0");
    if (maxRequestElements < 1 || maxRequestElements > Integer.MAX_VALUE - 8) {
      throw new dev.jtune.JtuneException("--max-request-elements must be 1.." + (Integer.MAX_VALUE - 8) + ", got " + maxRequestElements);
    }
  }

  /** Loopback, port 8501, 16 MiB bodies of at most 4 Mi elements, 30 s timeout, 2 s polling, batching off. */
  public static ServeConfig defaults(Path modelBase) {
    return new ServeConfig(
        modelBase, "127.0.0.1", DEFAULT_PORT, 16L << 20, Duration.ofSeconds(30), Duration.ofSeconds(2), null, 2, 0,
        Duration.ofSeconds(30), DEFAULT_MAX_REQUEST_ELEMENTS);
  }

  public ServeConfig withPort(int p) {
    return new ServeConfig(modelBase, host, p, maxBodyBytes, requestTimeout, pollInterval, batching, inferenceThreads, intraOpThreads, drainTimeout, maxRequestElements);
  }

  public ServeConfig withBatching(BatchingConfig b) {
    return new ServeConfig(modelBase, host, port, maxBodyBytes, requestTimeout, pollInterval, b, inferenceThreads, intraOpThreads, drainTimeout, maxRequestElements);
  }

  public ServeConfig withPollInterval(Duration d) {
    return new ServeConfig(modelBase, host, port, maxBodyBytes, requestTimeout, d, batching, inferenceThreads, intraOpThreads, drainTimeout, maxRequestElements);
  }

  public ServeConfig withRequestTimeout(Duration t) {
    return new ServeConfig(modelBase, host, port, maxBodyBytes, t, pollInterval, batching, inferenceThreads, intraOpThreads, drainTimeout, maxRequestElements);
  }

  public ServeConfig withMaxBodyBytes(long n) {
    return new ServeConfig(modelBase, host, port, n, requestTimeout, pollInterval, batching, inferenceThreads, intraOpThreads, drainTimeout, maxRequestElements);
  }

  public ServeConfig withMaxRequestElements(long n) {
    return new ServeConfig(modelBase, host, port, maxBodyBytes, requestTimeout, pollInterval, batching, inferenceThreads, intraOpThreads, drainTimeout, n);
  }
}
