package dev.jtune.serve;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;

/**
 * The server's Prometheus metrics (requests, errors, latency, batch sizes, loaded versions, refused
 * bodies) in their own registry, rendered in the Prometheus text format for {@code /metrics}.
 *
 * <p>Label values never come from a client: a {@code model} label is the name of a loaded model or
 * {@value #UNKNOWN}, an {@code api} label one of {@link #APIS} or {@value #UNKNOWN}, so the number
 * of series is bounded by the models on disk, whatever clients send. When a model is unloaded its
 * series are dropped.
 */
public final class ServingMetrics {
  /** The label value for a model that is not loaded or an API that does not exist. */
  public static final String UNKNOWN = "unknown";
  /** The APIs requests are counted by. */
  public static final Set<String> APIS = Set.of("status", "metadata", "predict", "classify", "regress");

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Set<String> models = ConcurrentHashMap.newKeySet();
  // models unloaded and not loaded again (bounded by the folders that ever were in the model base)
  private final Set<String> unloaded = ConcurrentHashMap.newKeySet();
  // recording a series of a model and dropping that model's series never interleave: a request
  // finishing just after its model was unloaded must not bring the series back
  private final ReadWriteLock seriesLock = new ReentrantReadWriteLock();
  private volatile LongSupplier bufferedBodyBytes = () -> 0;
  private final Counter requests =
      Counter.builder()
          .name("jtune_requests_total")
          .help("REST requests by model, API and HTTP status code")
          .labelNames("model", "api", "code")
          .register(registry);
  private final Counter errors =
      Counter.builder()
          .name("jtune_request_errors_total")
          .help("REST requests answered with an error status (>= 400)")
          .labelNames("model", "api", "code")
          .register(registry);
  private final Histogram latency =
      Histogram.builder()
          .name("jtune_request_latency_seconds")
          .help("REST request latency from body read to response")
          .labelNames("api")
          .classicOnly()
          .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
          .register(registry);
  private final Histogram batchSize =
      Histogram.builder()
          .name("jtune_batch_size")
          .help("Rows per model call (dynamic batching merges requests)")
          .labelNames("model")
          .classicOnly()
          .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
          .register(registry);
  private final Gauge inFlight =
      Gauge.builder()
          .name("jtune_requests_in_flight")
          .help("Requests accepted and not yet answered")
          .register(registry);
  private final Gauge version =
      Gauge.builder()
          .name("jtune_model_version")
          .help("Version being served per model")
          .labelNames("model")
          .register(registry);
  private final Counter loads =
      Counter.builder()
          .name("jtune_model_loads_total")
          .help("Model versions loaded (startup and hot reloads)")
          .labelNames("model")
          .register(registry);
  private final Counter bodiesRefused =
      Counter.builder()
          .name("jtune_request_bodies_refused_total")
          .help("Request bodies refused before parsing: too_large (413), timeout (408), busy (503)")
          .labelNames("reason")
          .register(registry);

  {
    GaugeWithCallback.builder()
        .name("jtune_request_body_bytes_buffered")
        .help("Request body bytes held in memory (bodies arriving or being answered)")
        .callback(cb -> cb.call(bufferedBodyBytes.getAsLong()))
        .register(registry);
  }

  /** A request was accepted; {@link #request} ends it. */
  public void started() {
    inFlight.inc();
  }

  /**
   * Records one finished request. {@code model} and {@code api} are what the client asked for;
   * they become labels only when they name a loaded model and a known API.
   */
  public void request(String model, String api, int code, double seconds) {
    inFlight.dec();
    String a = api != null && APIS.contains(api) ? api : UNKNOWN;
    String c = Integer.toString(code);
    seriesLock.readLock().lock();
    try {
      String m = modelLabel(model);
      requests.labelValues(m, a, c).inc();
      if (code >= 400) errors.labelValues(m, a, c).inc();
    } finally {
      seriesLock.readLock().unlock();
    }
    latency.labelValues(a).observe(seconds);
  }

  private String modelLabel(String model) {
    return model != null && models.contains(model) ? model : UNKNOWN;
  }

  /** One model call of {@code rows} rows; {@code model} is the name of the version that ran it. */
  public void batch(String model, long rows) {
    seriesLock.readLock().lock();
    try {
      // a batch still running when its model was unloaded must not bring the series back
      batchSize.labelValues(unloaded.contains(model) ? UNKNOWN : model).observe(rows);
    } finally {
      seriesLock.readLock().unlock();
    }
  }

  public void loaded(ServableVersion v) {
    seriesLock.readLock().lock();
    try {
      models.add(v.name());
      unloaded.remove(v.name());
      version.labelValues(v.name()).set(v.version());
      loads.labelValues(v.name()).inc();
    } finally {
      seriesLock.readLock().unlock();
    }
  }

  /** A model was unloaded (its folder left the model base): its series go too. */
  public void unloaded(String model) {
    seriesLock.writeLock().lock();
    try {
      models.remove(model);
      unloaded.add(model);
      requests.removeIf(labels -> labels.get(0).equals(model));
      errors.removeIf(labels -> labels.get(0).equals(model));
      batchSize.removeIf(labels -> labels.get(0).equals(model));
      version.removeIf(labels -> labels.get(0).equals(model));
      loads.removeIf(labels -> labels.get(0).equals(model));
    } finally {
      seriesLock.writeLock().unlock();
    }
  }

  /** A request body was refused before it was parsed; {@code reason} is too_large, timeout or busy. */
  void bodyRefused(String reason) {
    bodiesRefused.labelValues(reason).inc();
  }

  /** Where the gauge of buffered body bytes reads its value. */
  void bufferedBodyBytes(LongSupplier source) {
    this.bufferedBodyBytes = source;
  }

  public String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }

  /** The Prometheus text exposition of every metric. */
  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
