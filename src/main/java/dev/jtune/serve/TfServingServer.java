package dev.jtune.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TensorFlow-Serving-compatible REST server for every SavedModel under a model base: model
 * status, signature metadata, {@code :predict} (row and columnar), {@code :classify} (raw text for
 * jtune classifiers), {@code /healthz} and Prometheus {@code /metrics}. Runs on Javalin (Jetty 12);
 * {@link #close()} stops accepting connections, lets requests in flight finish, then closes models.
 */
public final class TfServingServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TfServingServer.class);
  private static final String JSON = "application/json";
  /** How much of an oversized body is still read and dropped before the 413 goes out. */
  private static final long DRAIN_BYTES = 16L << 20;
  // /v1/models/{name}[/versions/{v}][/metadata | :predict | :classify | :regress]
  private static final Pattern PATH =
      Pattern.compile("/v1/models/([^/:]+)(?:/versions/([^/:]+))?(?:(/metadata)|:([A-Za-z]+))?/?");

  private final ServeConfig config;
  private final ModelBase models;
  private final ModelRunner runner;
  private final ServingMetrics metrics = new ServingMetrics();
  private final Javalin app;
  private volatile boolean closed;

  private TfServingServer(ServeConfig config, ModelBase models) {
    this.config = config;
    this.models = models;
    this.runner =
        config.batching() == null
            ? new DirectRunner(config.inferenceThreads(), metrics)
            : new DynamicBatcher(config.batching(), metrics);
    models.modelNames().forEach(n -> models.current(n).ifPresent(metrics::loaded));
    models.onLoad(metrics::loaded);
    this.app =
        Javalin.create(
            cfg -> {
              cfg.startup.showJavalinBanner = false;
              cfg.startup.showOldJavalinVersionWarning = false;
              cfg.jetty.host = config.host();
              cfg.jetty.port = config.port();
              cfg.http.maxRequestSize = config.maxBodyBytes();
              cfg.jetty.modifyServer(
                  server -> {
                    // requests in flight (including async ones waiting on a batch) finish before stop
                    server.insertHandler(new GracefulHandler());
                    server.setStopTimeout(config.drainTimeout().toMillis());
                  });
              cfg.routes.get("/healthz", ctx -> ctx.contentType(JSON).result("{\"status\":\"ok\"}"));
              cfg.routes.get("/metrics", ctx -> ctx.contentType(metrics.contentType()).result(metrics.scrape()));
              cfg.routes.get("/v1/models/<path>", this::handleGet);
              cfg.routes.post("/v1/models/<path>", this::handlePost);
              cfg.routes.error(
                  404,
                  ctx -> {
                    if (ctx.result() == null) {
                      respond(ctx, 404, TfServingJson.error("Malformed request: " + ctx.method() + " " + ctx.path()));
                    }
                  });
            });
  }

  /** Opens the model base, loads every model and starts listening. */
  public static TfServingServer start(ServeConfig config) {
    ModelBase models = ModelBase.open(config.modelBase(), config.pollInterval(), config.intraOpThreads());
    try {
      TfServingServer s = new TfServingServer(config, models);
      try {
        s.app.start();
      } catch (RuntimeException e) {
        s.runner.close();
        throw new dev.jtune.JtuneException(
            "cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage() + " (choose another --port or --host)", e);
      }
      LOG.info(
          "serving {} from {} on http://{}:{} (batching {})",
          models.modelNames(), config.modelBase(), config.host(), s.port(), config.batching() == null ? "off" : config.batching());
      return s;
    } catch (RuntimeException e) {
      models.close();
      throw e;
    }
  }

  public int port() {
    return app.port();
  }

  public ModelBase models() {
    return models;
  }

  public ServingMetrics metrics() {
    return metrics;
  }

  /** Parsed REST path. */
  private record Route(String model, OptionalLong version, boolean metadata, String verb) {}

  private static Route route(Context ctx) {
    Matcher m = PATH.matcher(ctx.path());
    if (!m.matches()) throw new ApiException(404, "Malformed request: " + ctx.method() + " " + ctx.path());
    OptionalLong version = OptionalLong.empty();
    if (m.group(2) != null) {
      try {
        version = OptionalLong.of(Long.parseLong(m.group(2)));
      } catch (NumberFormatException e) {
        throw new ApiException(400, "Failed to convert version: " + m.group(2) + " to numeric.");
      }
    }
    return new Route(m.group(1), version, m.group(3) != null, m.group(4));
  }

  private void handleGet(Context ctx) {
    long start = System.nanoTime();
    metrics.started();
    String model = "";
    String api = "status";
    try {
      Route r = route(ctx);
      model = r.model();
      if (r.verb() != null) throw new ApiException(405, "Method not allowed: use POST for :" + r.verb());
      api = r.metadata() ? "metadata" : "status";
      byte[] body;
      try (ServableVersion.Lease lease = models.acquire(r.model(), r.version())) {
        body = r.metadata() ? metadata(lease.version()) : status(lease.version());
      }
      respond(ctx, 200, body);
    } catch (ApiException e) {
      respond(ctx, e.status(), TfServingJson.error(e.getMessage()));
    }
    metrics.request(model, api, ctx.statusCode(), (System.nanoTime() - start) / 1e9);
  }

  private void handlePost(Context ctx) {
    long start = System.nanoTime();
    metrics.started();
    String model = "";
    String api = "predict";
    ServableVersion.Lease lease = null;
    try {
      Route r = route(ctx);
      model = r.model();
      if (r.verb() == null || r.metadata()) throw new ApiException(405, "Method not allowed: use GET for status and metadata");
      api = r.verb();
      if (!api.equals("predict") && !api.equals("classify") && !api.equals("regress")) {
        throw new ApiException(404, "Malformed request: POST " + ctx.path() + " (expected :predict, :classify or :regress)");
      }
      long maxElements = config.maxRequestElements();
      RequestBody request = RequestBody.parse(body(ctx), maxElements);
      lease = models.acquire(r.model(), r.version());
      CompletableFuture<byte[]> response =
          switch (api) {
            case "predict" -> predict(lease.version(), request);
            case "classify" -> ExampleRequests.classify(lease.version(), request, runner, maxElements);
            default -> ExampleRequests.regress(lease.version(), request, runner, maxElements);
          };
      ServableVersion.Lease held = lease;
      lease = null;
      String m = model;
      String a = api;
      // the lease is released when the model call ends, not when the client gives up waiting
      response.whenComplete((ok, err) -> held.close());
      ctx.future(
          () ->
              response
                  .copy()
                  .orTimeout(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                  .handle(
                      (ok, err) -> {
                        if (err == null) respond(ctx, 200, ok);
                        else respondError(ctx, err);
                        metrics.request(m, a, ctx.statusCode(), (System.nanoTime() - start) / 1e9);
                        return null;
                      }));
    } catch (ApiException e) {
      if (lease != null) lease.close();
      respond(ctx, e.status(), TfServingJson.error(e.getMessage()));
      metrics.request(model, api, ctx.statusCode(), (System.nanoTime() - start) / 1e9);
    } catch (RuntimeException e) {
      if (lease != null) lease.close();
      respondError(ctx, e);
      metrics.request(model, api, ctx.statusCode(), (System.nanoTime() - start) / 1e9);
    }
  }

  /**
   * Reads the request body, at most --max-body-bytes. A larger body gets a 413, but only after the
   * rest of it (up to {@link #DRAIN_BYTES}) has been read and dropped: closing the connection while
   * the client is still sending would reset it before the client reads the answer.
   */
  private byte[] body(Context ctx) {
    long limit = config.maxBodyBytes();
    long declared = ctx.req().getContentLengthLong();
    try {
      InputStream in = ctx.req().getInputStream();
      if (declared > limit) {
        if (declared <= DRAIN_BYTES) drain(in);
        throw tooLarge(declared);
      }
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
      if (bytes.length > limit) {
        drain(in);
        throw tooLarge(-1);
      }
      return bytes;
    } catch (IOException e) {
      throw new ApiException(400, "Could not read the request body: " + e.getMessage());
    }
  }

  private static void drain(InputStream in) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long total = 0;
    for (int n; total <= DRAIN_BYTES && (n = in.read(buffer)) >= 0; ) total += n;
  }

  private ApiException tooLarge(long size) {
    return new ApiException(
        413, "Request body " + (size >= 0 ? "of " + size + " bytes " : "") + "exceeds the limit of " + config.maxBodyBytes() + " bytes (--max-body-bytes)");
  }

  private CompletableFuture<byte[]> predict(ServableVersion v, RequestBody request) {
    SignatureSpec sig = v.signature(request.signatureName());
    TfServingJson.PredictRequest req = TfServingJson.decodePredict(request, sig, config.maxRequestElements());
    boolean paddable = v.classifier().isPresent() && ClassifierAssets.isTokenSignature(sig);
    return runner
        .submit(v, sig.name(), req.inputs(), paddable)
        .thenApply(out -> TfServingJson.encodePredict(out, req.rowFormat()));
  }

  private static void respondError(Context ctx, Throwable err) {
    Throwable e = err;
    while ((e instanceof CompletionException || e instanceof java.util.concurrent.ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof ApiException a) {
      respond(ctx, a.status(), TfServingJson.error(a.getMessage()));
    } else if (e instanceof TimeoutException) {
      respond(ctx, 504, TfServingJson.error("Deadline exceeded: no result within the request timeout"));
    } else if (e instanceof dev.jtune.JtuneException j) {
      respond(ctx, 400, TfServingJson.error(j.getMessage()));
    } else {
      LOG.warn("request failed", e);
      respond(ctx, 500, TfServingJson.error(String.valueOf(e.getMessage())));
    }
  }

  private static void respond(Context ctx, int status, byte[] body) {
    ctx.status(status).contentType(JSON).result(body);
  }

  // ------------------------------------------------------------------------- status, metadata

  private static byte[] status(ServableVersion v) {
    ObjectNode root = TfServingJson.MAPPER.createObjectNode();
    ObjectNode s = root.putArray("model_version_status").addObject();
    s.put("version", Long.toString(v.version()));
    s.put("state", "AVAILABLE");
    ObjectNode st = s.putObject("status");
    st.put("error_code", "OK");
    st.put("error_message", "");
    return TfServingJson.bytes(root);
  }

  private static byte[] metadata(ServableVersion v) {
    ObjectNode root = TfServingJson.MAPPER.createObjectNode();
    ObjectNode spec = root.putObject("model_spec");
    spec.put("name", v.name());
    spec.put("signature_name", "");
    spec.put("version", Long.toString(v.version()));
    ObjectNode defs = root.putObject("metadata").putObject("signature_def").putObject("signature_def");
    for (SignatureSpec sig : v.signatures().values()) {
      ObjectNode d = defs.putObject(sig.name());
      tensors(d.putObject("inputs"), sig.inputs());
      tensors(d.putObject("outputs"), sig.outputs());
      d.put("method_name", sig.methodName());
    }
    return TfServingJson.bytes(root);
  }

  private static void tensors(ObjectNode into, Map<String, TensorSpec> specs) {
    for (TensorSpec t : specs.values()) {
      ObjectNode n = into.putObject(t.key());
      n.put("dtype", t.dtype());
      ObjectNode shape = n.putObject("tensor_shape");
      ArrayNode dims = shape.putArray("dim");
      long[] s = t.shape();
      if (s != null) {
        for (long d : s) dims.addObject().put("size", Long.toString(d)).put("name", "");
      }
      shape.put("unknown_rank", s == null);
      n.put("name", t.tensorName());
    }
  }

  /** Stops accepting connections, finishes requests in flight, then closes models. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    try {
      app.stop();
    } finally {
      runner.close();
      models.close();
    }
  }
}
