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
 * @param limits timeouts and the memory cap that keep slow or hostile clients from starving others
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
    ClientLimits limits) {

  public static final int DEFAULT_PORT = 8501;

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
    Objects.requireNonNull(limits, "limits");
    if (limits.maxBufferedBodyBytes() < maxBodyBytes) {
      throw new dev.jtune.JtuneException(
          "max buffered body bytes (" + limits.maxBufferedBodyBytes() + ") must be >= max body bytes (" + maxBodyBytes + "), or no body of the largest size could ever be accepted");
    }
  }

  /** Loopback, port 8501, 16 MiB bodies, 30 s timeout, 2 s polling, batching off, {@link ClientLimits#defaults()}. */
  public static ServeConfig defaults(Path modelBase) {
    return new ServeConfig(
        modelBase, "127.0.0.1", DEFAULT_PORT, 16L << 20, Duration.ofSeconds(30), Duration.ofSeconds(2), null, 2, 0,
        Duration.ofSeconds(30), ClientLimits.defaults());
  }

  public ServeConfig withPort(int p) {
    return new ServeConfig(modelBase, host, p, maxBodyBytes, requestTimeout, pollInterval, batching, inferenceThreads, intraOpThreads, drainTimeout, limits);
  }

  public ServeConfig withBatching(BatchingConfig b) {
    return new ServeConfig(modelBase, host, port, maxBodyBytes, requestTimeout, pollInterval, b, inferenceThreads, intraOpThreads, drainTimeout, limits);
  }

  public ServeConfig withPollInterval(Duration d) {
    return new ServeConfig(modelBase, host, port, maxBodyBytes, requestTimeout, d, batching, inferenceThreads, intraOpThreads, drainTimeout, limits);
  }

  public ServeConfig withRequestTimeout(Duration t) {
    return new ServeConfig(modelBase, host, port, maxBodyBytes, t, pollInterval, batching, inferenceThreads, intraOpThreads, drainTimeout, limits);
  }

  public ServeConfig withMaxBodyBytes(long n) {
    return new ServeConfig(modelBase, host, port, n, requestTimeout, pollInterval, batching, inferenceThreads, intraOpThreads, drainTimeout, limits);
  }

  public ServeConfig withMaxRequestElements(long n) {
    return withLimits(new ClientLimits(limits.idleTimeout(), limits.bodyTimeout(), limits.maxBufferedBodyBytes(), n));
  }

  public ServeConfig withLimits(ClientLimits l) {
    return new ServeConfig(modelBase, host, port, maxBodyBytes, requestTimeout, pollInterval, batching, inferenceThreads, intraOpThreads, drainTimeout, l);
  }
}
