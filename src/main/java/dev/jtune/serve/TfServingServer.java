package dev.jtune.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TensorFlow-Serving-compatible REST server for every SavedModel under a model base: model
 * status, signature metadata, {@code :predict} (row and columnar), {@code :classify} (raw text for
 * jtune classifiers), {@code /healthz} (liveness), {@code /readyz} (readiness), Prometheus
 * {@code /metrics} and, on {@code /}, a page to try the models in a browser ({@link ServePage}). Runs on Javalin (Jetty 12); request bodies are received by {@link
 * BufferedBodyHandler} before a route sees them. Every error is TF Serving's {@code {"error":
 * ...}}, scrubbed by {@link ClientErrorText}. {@link #close()} stops accepting connections, lets
 * requests in flight finish, then closes models.
 */
public final class TfServingServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TfServingServer.class);
  private static final String JSON = "application/json";
  // /v1/models/{name}[/versions/{v}][/metadata | :predict | :classify | :regress], on the raw
  // (still percent-encoded) path: a name is split off first and decoded after, so %2F or %3A in
  // a name can never act as a separator
  private static final Pattern PATH =
      Pattern.compile("/v1/models/([^/:]+)(?:/versions/([^/:]+))?(?:(/metadata)|:([A-Za-z]+))?/?");
  private static final List<String> READ_METHODS = List.of("GET", "HEAD", "OPTIONS");
  private static final List<String> VERB_METHODS = List.of("POST", "OPTIONS");
  private static final List<String> PATHS = List.of("/", "/healthz", "/readyz", "/metrics", "/v1/models/<path>");
  // set on a request once this server has written its answer, so Javalin's error pages keep off it
  private static final String ANSWERED = TfServingServer.class.getName() + ".answered";

  private final ServeConfig config;
  private final ModelBase models;
  private final ModelRunner runner;
  private final ServingMetrics metrics = new ServingMetrics();
  private final ClientErrorText errors;
  private final BufferedBodyHandler bodies;
  private final ServePage page = ServePage.load();
  private final Javalin app;
  private volatile boolean closed;

  private TfServingServer(ServeConfig config, ModelBase models, BatchTimer batchTimer) {
    this.config = config;
    this.models = models;
    this.errors = new ClientErrorText(config.modelBase());
    this.runner =
        config.batching() == null
            ? new DirectRunner(config.inferenceThreads(), metrics)
            : new DynamicBatcher(config.batching(), metrics, batchTimer);
    models.onLoad(metrics::loaded);
    models.onUnload(metrics::unloaded);
    this.bodies = new BufferedBodyHandler(config.maxBodyBytes(), config.limits(), metrics);
    this.app =
        Javalin.create(
            cfg -> {
              cfg.startup.showJavalinBanner = false;
              cfg.startup.showOldJavalinVersionWarning = false;
              cfg.http.maxRequestSize = config.maxBodyBytes();
              // a method no route knows (e.g. FOO) on one of our paths is a 405, not a 404
              cfg.http.prefer405over404 = true;
              cfg.jetty.addConnector(
                  (server, http) -> {
                    ServerConnector c = new ServerConnector(server, new HttpConnectionFactory(http));
                    c.setHost(config.host());
                    c.setPort(config.port());
                    c.setIdleTimeout(config.limits().idleTimeout().toMillis());
                    return c;
                  });
              cfg.jetty.modifyServer(
                  server -> {
                    // requests in flight (including async ones waiting on a batch) finish before stop
                    server.insertHandler(new GracefulHandler());
                    // outermost: a body still arriving does not count as in flight, so a slow
                    // client cannot hold up shutdown
                    server.insertHandler(bodies);
                    server.setStopTimeout(config.drainTimeout().toMillis());
                    server.setErrorHandler(new JsonErrorHandler(errors));
                  });
              for (HandlerType method : HandlerType.values()) {
                if (!method.isHttpMethod()) continue;
                for (String path : PATHS) cfg.routes.addHttpHandler(method, path, this::dispatch);
              }
              cfg.routes.exception(HttpResponseException.class, (e, ctx) -> answerUnrouted(ctx, e.getStatus()));
              cfg.routes.exception(
                  Exception.class,
                  (e, ctx) -> {
                    LOG.warn("{} {} failed", ctx.method(), ModelBase.printable(ctx.path()), e);
                    respondError(ctx, 500, "Internal error while serving the request (details in the server log)");
                  });
              cfg.routes.error(404, ctx -> answerUnrouted(ctx, 404));
              cfg.routes.error(405, ctx -> answerUnrouted(ctx, 405));
            });
  }

  /**
   * Starts listening, then loads every model under the model base (returning once each has
   * loaded or failed) and watches for new versions. While models load, {@code /healthz} already
   * answers and {@code /readyz} says 503.
   */
  public static TfServingServer start(ServeConfig config) {
    return start(config, BatchTimer.system());
  }

  /** As {@link #start(ServeConfig)}, with the batch timeouts of dynamic batching run by {@code batchTimer}. */
  static TfServingServer start(ServeConfig config, BatchTimer batchTimer) {
    ModelBase models = ModelBase.at(config.modelBase(), config.intraOpThreads());
    TfServingServer s = new TfServingServer(config, models, batchTimer);
    try {
      s.app.start();
    } catch (RuntimeException e) {
      s.runner.close();
      models.close();
      throw new dev.jtune.JtuneException(
          "cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage() + " (choose another --port or --host)", e);
    }
    try {
      models.start(config.pollInterval());
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    LOG.info(
        "serving {} from {} on http://{}:{} (batching {})",
        models.modelNames(), config.modelBase(), config.host(), s.port(), config.batching() == null ? "off" : config.batching());
    return s;
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

  /** Request body bytes held in memory right now (bodies arriving or being answered). */
  public long bufferedBodyBytes() {
    return bodies.bufferedBytes();
  }

  // ------------------------------------------------------------------------- routing

  /** What a path is, and which methods it allows. */
  private enum Resource {
    PAGE(READ_METHODS),
    HEALTH(READ_METHODS),
    READY(READ_METHODS),
    METRICS(READ_METHODS),
    MODEL(READ_METHODS),
    MODEL_VERB(VERB_METHODS),
    NONE(List.of());

    final List<String> allowed;

    Resource(List<String> allowed) {
      this.allowed = allowed;
    }

    static Resource of(String path) {
      switch (path) {
        case "/":
          return PAGE;
        case "/healthz", "/healthz/":
          return HEALTH;
        case "/readyz", "/readyz/":
          return READY;
        case "/metrics", "/metrics/":
          return METRICS;
        default:
          Matcher m = PATH.matcher(path);
          if (!m.matches()) return NONE;
          return m.group(4) != null ? MODEL_VERB : MODEL;
      }
    }
  }

  /**
   * Every method on every path comes here. OPTIONS answers 204 with the Allow header; a method the
   * path does not allow gets 405 with Allow and a JSON error (TRACE included: nothing is echoed);
   * HEAD is GET without the body.
   */
  private void dispatch(Context ctx) {
    String method = ctx.req().getMethod();
    Resource resource = Resource.of(ctx.path());
    if (resource == Resource.NONE) {
      countUnrouted(ctx, 404, () -> respondError(ctx, 404, "Malformed request: " + method + " " + ctx.path()));
      return;
    }
    if (method.equals("OPTIONS")) {
      ctx.header("Allow", String.join(", ", resource.allowed));
      ctx.status(204);
      ctx.attribute(ANSWERED, true);
      return;
    }
    if (!resource.allowed.contains(method)) {
      if (resource == Resource.MODEL || resource == Resource.MODEL_VERB) countUnrouted(ctx, 405, () -> methodNotAllowed(ctx, resource));
      else methodNotAllowed(ctx, resource);
      return;
    }
    switch (resource) {
      case PAGE -> {
        ServePage.HEADERS.forEach(ctx::header);
        ctx.status(200).contentType(ServePage.CONTENT_TYPE).result(page.render(models));
        ctx.attribute(ANSWERED, true);
      }
      case HEALTH -> {
        if (ctx.queryParamMap().containsKey("ready")) ready(ctx);
        else respond(ctx, 200, "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8));
      }
      case READY -> ready(ctx);
      case METRICS -> {
        ctx.contentType(metrics.contentType()).result(metrics.scrape());
        ctx.attribute(ANSWERED, true);
      }
      case MODEL -> handleGet(ctx);
      default -> handlePost(ctx);
    }
  }

  private void methodNotAllowed(Context ctx, Resource resource) {
    ctx.header("Allow", String.join(", ", resource.allowed));
    respondError(
        ctx, 405, "Malformed request: " + ctx.req().getMethod() + " " + ctx.path() + " (allowed: " + String.join(", ", resource.allowed) + ")");
  }

  /** Records a /v1/models request the routes refused before reaching a model. */
  private void countUnrouted(Context ctx, int status, Runnable answer) {
    long start = System.nanoTime();
    metrics.started();
    answer.run();
    String model = null;
    String api = "status";
    Matcher m = PATH.matcher(ctx.path());
    if (m.matches()) {
      model = decodeOrNull(m.group(1));
      api = m.group(4) != null ? m.group(4) : m.group(3) != null ? "metadata" : "status";
    }
    metrics.request(model, api, status, (System.nanoTime() - start) / 1e9);
  }

  /**
   * A request no route answered (Javalin's 404 for an unknown path, 405 for an unknown method):
   * TF Serving's JSON error instead of Javalin's page, unless this server already answered.
   */
  private void answerUnrouted(Context ctx, int status) {
    if (Boolean.TRUE.equals(ctx.attribute(ANSWERED))) return;
    Resource resource = Resource.of(ctx.path());
    if (status == 405 && resource != Resource.NONE) methodNotAllowed(ctx, resource);
    else if (status == 405 || status == 404) respondError(ctx, 404, "Malformed request: " + ctx.req().getMethod() + " " + ctx.path());
    else respondError(ctx, status, HttpStatus.getMessage(status));
  }

  /** Readiness: 200 when every model found at start-up is served, else 503 with the reason. */
  private void ready(Context ctx) {
    ModelBase.Readiness r = models.readiness();
    ObjectNode root = TfServingJson.MAPPER.createObjectNode();
    root.put("status", r.ready() ? "ready" : "not ready");
    if (!r.ready()) root.put("reason", errors.scrub(r.reason()));
    ObjectNode states = root.putObject("models");
    new java.util.TreeMap<>(r.models()).forEach(states::put);
    respond(ctx, r.ready() ? 200 : 503, TfServingJson.bytes(root));
  }

  /** Parsed REST path. */
  private record Route(String model, OptionalLong version, boolean metadata, String verb) {}

  private static Route route(Context ctx) {
    Matcher m = PATH.matcher(ctx.path());
    if (!m.matches()) throw new ApiException(404, "Malformed request: " + ctx.method() + " " + ctx.path());
    String name = decodeOrNull(m.group(1));
    if (name == null) throw new ApiException(400, "Malformed request: the model name in " + ctx.path() + " is not valid percent-encoded UTF-8");
    OptionalLong version = OptionalLong.empty();
    if (m.group(2) != null) {
      String v = decodeOrNull(m.group(2));
      try {
        version = OptionalLong.of(Long.parseLong(v == null ? m.group(2) : v));
      } catch (NumberFormatException e) {
        throw new ApiException(400, "Failed to convert version: " + m.group(2) + " to numeric.");
      }
    }
    return new Route(name, version, m.group(3) != null, m.group(4));
  }

  /**
   * Percent-decodes one path segment, once, as UTF-8 ({@code my%20model} is {@code my model},
   * {@code pct%2541} is {@code pct%41}); null when it is not valid percent-encoded UTF-8. A
   * {@code +} stays a plus: this is a path, not a form.
   */
  static String decodeOrNull(String raw) {
    if (raw.indexOf('%') < 0) return raw;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) return null;
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) return null;
        bytes.write(hi * 16 + lo);
        i += 2;
      } else if (c < 0x80) {
        bytes.write(c);
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private void handleGet(Context ctx) {
    long start = System.nanoTime();
    metrics.started();
    String model = null;
    String api = "status";
    try {
      Route r = route(ctx);
      model = r.model();
      api = r.metadata() ? "metadata" : "status";
      byte[] body;
      try (ServableVersion.Lease lease = models.acquire(r.model(), r.version())) {
        body = r.metadata() ? metadata(lease.version()) : status(lease.version());
      }
      respond(ctx, 200, body);
    } catch (ApiException e) {
      respondError(ctx, e.status(), e.getMessage());
    }
    metrics.request(model, api, ctx.statusCode(), (System.nanoTime() - start) / 1e9);
  }

  private void handlePost(Context ctx) {
    long start = System.nanoTime();
    metrics.started();
    String model = null;
    String api = "predict";
    ServableVersion.Lease lease = null;
    try {
      Route r = route(ctx);
      model = r.model();
      api = r.verb();
      if (!api.equals("predict") && !api.equals("classify") && !api.equals("regress")) {
        throw new ApiException(404, "Malformed request: POST " + ctx.path() + " (expected :predict, :classify or :regress)");
      }
      long maxElements = config.limits().maxRequestElements();
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
      respondError(ctx, e.status(), e.getMessage());
      metrics.request(model, api, ctx.statusCode(), (System.nanoTime() - start) / 1e9);
    } catch (RuntimeException e) {
      if (lease != null) lease.close();
      respondError(ctx, e);
      metrics.request(model, api, ctx.statusCode(), (System.nanoTime() - start) / 1e9);
    }
  }

  /**
   * The request body. {@link BufferedBodyHandler} has already received it in full, within
   * --max-body-bytes, so this never waits on the network.
   */
  private byte[] body(Context ctx) {
    Object received = ctx.attribute(BufferedBodyHandler.BODY);
    if (received instanceof byte[] b) return b;
    // no body was sent: the stream is empty (read with the limit all the same)
    try {
      InputStream in = ctx.req().getInputStream();
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, config.maxBodyBytes() + 1));
      if (bytes.length > config.maxBodyBytes()) {
        throw new ApiException(413, "Request body exceeds the limit of " + config.maxBodyBytes() + " bytes (--max-body-bytes)");
      }
      return bytes;
    } catch (IOException e) {
      throw new ApiException(400, "Could not read the request body: " + e.getMessage());
    }
  }

  private CompletableFuture<byte[]> predict(ServableVersion v, RequestBody request) {
    SignatureSpec sig = v.signature(request.signatureName());
    TfServingJson.PredictRequest req = TfServingJson.decodePredict(request, sig, config.limits().maxRequestElements());
    boolean paddable = v.classifier().isPresent() && ClassifierAssets.isTokenSignature(sig);
    return runner
        .submit(v, sig.name(), req.inputs(), paddable)
        .thenApply(out -> TfServingJson.encodePredict(out, req.rowFormat()));
  }

  private void respondError(Context ctx, Throwable err) {
    Throwable e = err;
    while ((e instanceof CompletionException || e instanceof java.util.concurrent.ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof ApiException a) {
      respondError(ctx, a.status(), a.getMessage());
    } else if (e instanceof TimeoutException) {
      respondError(ctx, 504, "Deadline exceeded: no result within the request timeout");
    } else if (e instanceof dev.jtune.JtuneException j) {
      respondError(ctx, 400, j.getMessage());
    } else {
      LOG.warn("{} {} failed", ctx.method(), ModelBase.printable(ctx.path()), e);
      respondError(ctx, 500, "Internal error while serving the request (details in the server log)");
    }
  }

  /** Every error body goes out here: TF Serving's {"error": ...}, its text scrubbed. */
  private void respondError(Context ctx, int status, String message) {
    respond(ctx, status, TfServingJson.error(errors.scrub(message)));
  }

  private static void respond(Context ctx, int status, byte[] body) {
    ctx.status(status).contentType(JSON).result(body);
    ctx.attribute(ANSWERED, true);
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

  /**
   * Errors Jetty answers itself, before any route (a malformed request line or URI, headers too
   * large, ...): TF Serving's JSON error with the status's reason, never Jetty's HTML page.
   */
  private static final class JsonErrorHandler extends ErrorHandler {
    private final ClientErrorText errors;

    JsonErrorHandler(ClientErrorText errors) {
      this.errors = errors;
    }

    @Override
    public boolean errorPageForMethod(String method) {
      return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
      String reason = HttpStatus.getMessage(code);
      String text = message == null || message.isBlank() || message.equals(reason) ? reason : reason + ": " + message;
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
      response.write(true, ByteBuffer.wrap(TfServingJson.error(errors.scrub(text))), callback);
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
