package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot reload under traffic, a bounded loopback load test with batching, graceful shutdown. Each
 * step waits for the event it needs (a version loaded, failed or unloaded, answers counted, a
 * batch opened), never for a stretch of time; batch timeouts are fired by the test where the
 * outcome depends on them. The waits have generous bounds only so that a broken server fails the
 * test instead of hanging it.
 */
class HotReloadAndLoadTest {
  static final long EVENT_BOUND_S = 60;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static HttpResponse<String> post(TfServingServer s, String path, String body) throws Exception {
    var req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .timeout(Duration.ofSeconds(30))
            .build();
    return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void newVersionIsSwappedInWithoutFailingRequestsAndTheOldOneClosesAfterwards(@TempDir Path base) throws Exception {
    hotReload(base, null);
  }

  @Test
  void hotReloadAlsoLosesNoRequestWithDynamicBatching(@TempDir Path base) throws Exception {
    hotReload(base, new BatchingConfig(8, 1_000, 1, 100, false));
  }

  private void hotReload(Path base, BatchingConfig batching) throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    ServeConfig cfg = ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ofMillis(100)).withBatching(batching);
    try (TfServingServer server = TfServingServer.start(cfg)) {
      ServableVersion v1 = server.models().current("generic").orElseThrow();
      CompletableFuture<ServableVersion> v2Loaded = loaded(server, "generic", 2);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger failures = new AtomicInteger();
      CountDownLatch v1Answers = new CountDownLatch(20);
      CountDownLatch v2Answers = new CountDownLatch(50);
      List<String> problems = new ArrayList<>();
      ExecutorService clients = Executors.newFixedThreadPool(4);
      List<Future<?>> loops = new ArrayList<>();
      for (int c = 0; c < 4; c++) {
        loops.add(
            clients.submit(
                () -> {
                  // bounded: at most 5,000 requests per client even if version 2 never shows up
                  for (int i = 0; i < 5_000 && !stop.get(); i++) {
                    try {
                      var r = post(server, "/v1/models/generic:predict", "{\"signature_name\":\"scale\",\"instances\":[[1,1,1]]}");
                      JsonNode j = TfServingJson.MAPPER.readTree(r.body());
                      float y = j.at("/predictions/0/0").floatValue();
                      if (r.statusCode() == 200 && y == 1f) v1Answers.countDown();
                      else if (r.statusCode() == 200 && y == 2f) v2Answers.countDown();
                      else {
                        failures.incrementAndGet();
                        synchronized (problems) {
                          problems.add(r.statusCode() + " " + r.body());
                        }
                      }
                    } catch (Exception e) {
                      failures.incrementAndGet();
                      synchronized (problems) {
                        problems.add(e.toString());
                      }
                    }
                  }
                  return null;
                }));
      }
      assertTrue(v1Answers.await(EVENT_BOUND_S, TimeUnit.SECONDS), "version 1 answered 20 requests before the swap");
      ServingFixtures.genericModel(base, "generic", 2);
      assertEquals(2, v2Loaded.get(EVENT_BOUND_S, TimeUnit.SECONDS).version());
      assertTrue(v2Answers.await(EVENT_BOUND_S, TimeUnit.SECONDS), "version 2 answers 50 requests after the swap");
      stop.set(true);
      for (Future<?> f : loops) f.get();
      clients.shutdown();
      assertEquals(0, failures.get(), problems.toString());
      assertEquals(2, server.models().current("generic").orElseThrow().version());
      var status = post(server, "/v1/models/generic/versions/1:predict", "{\"signature_name\":\"scale\",\"instances\":[[1,1,1]]}");
      assertEquals(404, status.statusCode());
      // the replaced version closes once its requests are done
      v1.whenClosed().get(EVENT_BOUND_S, TimeUnit.SECONDS);
      assertTrue(v1.isClosed());
    }
  }

  /** Completes with version {@code version} of {@code model} once the server has loaded it. */
  private static CompletableFuture<ServableVersion> loaded(TfServingServer server, String model, long version) {
    CompletableFuture<ServableVersion> f = new CompletableFuture<>();
    server.models().onLoad(v -> {
      if (v.name().equals(model) && v.version() == version) f.complete(v);
    });
    return f;
  }

  @Test
  void aBrokenNewVersionIsNotServedAndTheCurrentOneKeepsAnswering(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    ServeConfig cfg = ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ofMillis(100));
    try (TfServingServer server = TfServingServer.start(cfg)) {
      CompletableFuture<ModelBase.LoadFailure> failed = new CompletableFuture<>();
      server.models().onLoadFailure(failed::complete);
      Path broken = java.nio.file.Files.createDirectories(base.resolve("generic/.staging"));
      java.nio.file.Files.writeString(broken.resolve("saved_model.pb"), "not a protobuf");
      java.nio.file.Files.move(broken, base.resolve("generic/2"));
      ModelBase.LoadFailure failure = failed.get(EVENT_BOUND_S, TimeUnit.SECONDS);
      assertEquals("generic", failure.model());
      assertEquals(2, failure.version());
      assertEquals(server.models().lastError("generic").orElseThrow(), failure.error());
      assertTrue(failure.error().contains("generic/2"), failure.error());
      var r = post(server, "/v1/models/generic:predict", "{\"signature_name\":\"scale\",\"instances\":[[1,1,1]]}");
      assertEquals("{\"predictions\":[[1.0,1.0,1.0]]}", r.body());
      assertEquals(1, server.models().current("generic").orElseThrow().version());
      CompletableFuture<ServableVersion> v3 = loaded(server, "generic", 3);
      ServingFixtures.genericModel(base, "generic", 3);
      v3.get(EVENT_BOUND_S, TimeUnit.SECONDS);
      r = post(server, "/v1/models/generic:predict", "{\"signature_name\":\"scale\",\"instances\":[[1,1,1]]}");
      assertEquals("{\"predictions\":[[3.0,3.0,3.0]]}", r.body());
    }
  }

  @Test
  void aModelFolderAddedWhileRunningIsServedAndARemovedOneIsUnloaded(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "first", 1);
    ServeConfig cfg = ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ofMillis(100));
    try (TfServingServer server = TfServingServer.start(cfg)) {
      CompletableFuture<ServableVersion> second = loaded(server, "second", 7);
      ServingFixtures.genericModel(base, "second", 7);
      second.get(EVENT_BOUND_S, TimeUnit.SECONDS);
      assertEquals(200, post(server, "/v1/models/second:predict", "{\"signature_name\":\"scale\",\"instances\":[[1,1,1]]}").statusCode());
      ServableVersion first = server.models().current("first").orElseThrow();
      CompletableFuture<String> unloaded = new CompletableFuture<>();
      server.models().onUnload(name -> {
        if (name.equals("first")) unloaded.complete(name);
      });
      java.nio.file.Files.move(base.resolve("first"), base.resolve(".first-removed"));
      unloaded.get(EVENT_BOUND_S, TimeUnit.SECONDS);
      assertEquals(404, post(server, "/v1/models/first:predict", "{\"signature_name\":\"scale\",\"instances\":[[1,1,1]]}").statusCode());
      assertTrue(first.isClosed(), "an unloaded model's bundle is closed");
      assertEquals(List.of("second"), server.models().modelNames(), "hidden folders are not models");
    }
  }

  /**
   * With the batch timeout never firing, a batch closes only when full: each of the 32 clients has
   * one request in flight, so every model call merges one request of each (the padded batch runs
   * as groups of similar length).
   */
  @Test
  void thirtyTwoConcurrentClientsGetNoErrorsAndRequestsAreMergedIntoBatches(@TempDir Path base) throws Exception {
    ServingFixtures.textClassifier(base, "spam", 1, 11);
    BatchingConfig batching = new BatchingConfig(32, 2_000, 2, 1_000, false);
    ServeConfig cfg = ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO).withBatching(batching);
    int clients = 32;
    int perClient = 300;
    ManualBatchTimer timer = new ManualBatchTimer();
    try (TfServingServer server = TfServingServer.start(cfg, timer)) {
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      AtomicInteger ok = new AtomicInteger();
      List<String> problems = new ArrayList<>();
      List<Future<?>> fs = new ArrayList<>();
      String[] texts = {"win free money now", "meeting tomorrow please review the notes", "cash prize !", "hello team"};
      for (int c = 0; c < clients; c++) {
        int id = c;
        fs.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perClient; i++) {
                    String text = texts[(id + i) % texts.length];
                    try {
                      var r = post(server, "/v1/models/spam:classify", "{\"examples\":[{\"text\":\"" + text + "\"}]}");
                      if (r.statusCode() == 200) ok.incrementAndGet();
                      else synchronized (problems) { problems.add(r.statusCode() + " " + r.body()); }
                    } catch (Exception e) {
                      synchronized (problems) { problems.add(e.toString()); }
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : fs) f.get();
      pool.shutdown();
      assertEquals(List.of(), problems.subList(0, Math.min(5, problems.size())));
      assertEquals(clients * perClient, ok.get());
      assertEquals(perClient, timer.delays().size(), "one batch per round of 32 requests");
      assertEquals(0, timer.waiting(), "every batch filled up before its timeout");
      String metrics = new String(server.metrics().scrape());
      double calls = metricValue(metrics, "jtune_batch_size_count{model=\"spam\"}");
      double rows = metricValue(metrics, "jtune_batch_size_sum{model=\"spam\"}");
      assertEquals(clients * perClient, rows, 0.0);
      // 8 requests of each text per batch, of 6, 8, 5 and 4 tokens with [CLS]/[SEP]: groups 4, 5, 6 | 8
      // (each within 1.5x of its shortest row), so two model calls per batch
      assertEquals(perClient * 2.0, calls, 0.0);
    }
  }

  @Test
  void closeFinishesRequestsInFlightThenRefusesConnections(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    // the request waits in its batch until the test fires the timeout
    BatchingConfig batching = new BatchingConfig(64, 1_500_000, 1, 10, false);
    ManualBatchTimer timer = new ManualBatchTimer();
    TfServingServer server =
        TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO).withBatching(batching), timer);
    int port = server.port();
    CompletableFuture<HttpResponse<String>> inFlight =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return post(server, "/v1/models/generic:predict", "{\"signature_name\":\"scale\",\"instances\":[[1,2,3]]}");
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    timer.awaitScheduled(1); // the request is in the server, waiting in an open batch
    CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
    awaitRefused(port);
    assertFalse(inFlight.isDone(), "still in flight while the server refuses new connections");
    assertEquals(1, timer.fire());
    HttpResponse<String> r = inFlight.get();
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("{\"predictions\":[[1.0,2.0,3.0]]}", r.body());
    closing.get();
    try {
      HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
      throw new AssertionError("server still accepts connections after close");
    } catch (ConnectException expected) {
      // closed
    }
  }

  /**
   * Returns once a connection to {@code port} is refused (each attempt is answered at once either
   * way). A connect that the closing listener resets instead of refusing counts as refused: the
   * kernel had queued it, the server never accepted it.
   */
  private static void awaitRefused(int port) throws Exception {
    for (int attempt = 0; ; attempt++) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      } catch (SocketException refusedOrReset) { // ConnectException is one
        return;
      }
      if (attempt > 1_000_000) throw new AssertionError("the server kept accepting connections after close() began");
      Thread.onSpinWait();
    }
  }

  @Test
  void aRequestWithoutAResultWithinTheTimeoutGets504AndTheServerStaysUsable(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    // the batch timeout is never fired: the request gives up after 300 ms waiting for company
    BatchingConfig batching = new BatchingConfig(64, 3_000_000, 1, 10, false);
    ServeConfig cfg =
        ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO).withBatching(batching).withRequestTimeout(Duration.ofMillis(300));
    try (TfServingServer server = TfServingServer.start(cfg, new ManualBatchTimer())) {
      var r = post(server, "/v1/models/generic:predict", "{\"signature_name\":\"scale\",\"instances\":[[1,2,3]]}");
      assertEquals(504, r.statusCode(), r.body());
      assertTrue(r.body().contains("Deadline exceeded"), r.body());
      // a request of max_batch_size rows runs at once and still succeeds
      String big = "{\"signature_name\":\"scale\",\"instances\":[" + "[1,2,3],".repeat(63) + "[1,2,3]]}";
      assertEquals(200, post(server, "/v1/models/generic:predict", big).statusCode());
    }
  }

  static double metricValue(String text, String series) {
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1).trim());
    }
    throw new AssertionError("no series " + series + " in\n" + text);
  }
}
