package dev.jtune.serve;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The server's Prometheus metrics (requests, errors, latency, batch sizes, loaded versions) in
 * their own registry, rendered in the Prometheus text format for {@code /metrics}.
 */
public final class ServingMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
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

  /** A request was accepted; {@link #request} ends it. */
  public void started() {
    inFlight.inc();
  }

  /** Records one finished request. */
  public void request(String model, String api, int code, double seconds) {
    inFlight.dec();
    requests.labelValues(model, api, Integer.toString(code)).inc();
    if (code >= 400) errors.labelValues(model, api, Integer.toString(code)).inc();
    latency.labelValues(api).observe(seconds);
  }

  public void batch(String model, long rows) {
    batchSize.labelValues(model).observe(rows);
  }

  public void loaded(ServableVersion v) {
    version.labelValues(v.name()).set(v.version());
    loads.labelValues(v.name()).inc();
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
