package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hot reload under traffic, a bounded loopback load test with batching, graceful shutdown. */
class HotReloadAndLoadTest {
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
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger failures = new AtomicInteger();
      AtomicInteger sawV1 = new AtomicInteger();
      AtomicInteger sawV2 = new AtomicInteger();
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
                      if (r.statusCode() == 200 && y == 1f) sawV1.incrementAndGet();
                      else if (r.statusCode() == 200 && y == 2f) sawV2.incrementAndGet();
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
      long warm = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (sawV1.get() < 20 && failures.get() == 0 && System.nanoTime() < warm) Thread.sleep(20);
      ServingFixtures.genericModel(base, "generic", 2);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (sawV2.get() < 50 && System.nanoTime() < deadline) Thread.sleep(20);
      stop.set(true);
      for (Future<?> f : loops) f.get();
      clients.shutdown();
      assertEquals(0, failures.get(), problems.toString());
      assertTrue(sawV1.get() > 0, "version 1 answered before the swap");
      assertTrue(sawV2.get() >= 50, "version 2 answers after the swap");
      assertEquals(2, server.models().current("generic").orElseThrow().version());
      var status = post(server, "/v1/models/generic/versions/1:predict", "{\"signature_name\":\"scale\",\"instances\":[[1,1,1]]}");
      assertEquals(404, status.statusCode());
      assertTrue(v1.isClosed(), "the replaced version is closed once its requests are done");
    }
  }

  @Test
  void aBrokenNewVersionIsNotServedAndTheCurrentOneKeepsAnswering(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    ServeConfig cfg = ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ofMillis(100));
    try (TfServingServer server = TfServingServer.start(cfg)) {
      Path broken = java.nio.file.Files.createDirectories(base.resolve("generic/.staging"));
      java.nio.file.Files.writeString(broken.resolve("saved_model.pb"), "not a protobuf");
      java.nio.file.Files.move(broken, base.resolve("generic/2"));
      long seen = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (server.models().lastError("generic").isEmpty() && System.nanoTime() < seen) Thread.sleep(50);
      var r = post(server, "/v1/models/generic:predict", "{\"signature_name\":\"scale\",\"instances\":[[1,1,1]]}");
      assertEquals("{\"predictions\":[[1.0,1.0,1.0]]}", r.body());
      assertEquals(1, server.models().current("generic").orElseThrow().version());
      assertTrue(server.models().lastError("generic").orElseThrow().contains("generic/2"), server.models().lastError("generic").orElseThrow());
      ServingFixtures.genericModel(base, "generic", 3);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (server.models().current("generic").orElseThrow().version() != 3 && System.nanoTime() < deadline) Thread.sleep(50);
      r = post(server, "/v1/models/generic:predict", "{\"signature_name\":\"scale\",\"instances\":[[1,1,1]]}");
      assertEquals("{\"predictions\":[[3.0,3.0,3.0]]}", r.body());
    }
  }

  @Test
  void aModelFolderAddedWhileRunningIsServedAndARemovedOneIsUnloaded(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "first", 1);
    ServeConfig cfg = ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ofMillis(100));
    try (TfServingServer server = TfServingServer.start(cfg)) {
      ServingFixtures.genericModel(base, "second", 7);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (server.models().current("second").isEmpty() && System.nanoTime() < deadline) Thread.sleep(50);
      assertEquals(200, post(server, "/v1/models/second:predict", "{\"signature_name\":\"scale\",\"instances\":[[1,1,1]]}").statusCode());
      ServableVersion first = server.models().current("first").orElseThrow();
      java.nio.file.Files.move(base.resolve("first"), base.resolve(".first-removed"));
      while (server.models().current("first").isPresent() && System.nanoTime() < deadline) Thread.sleep(50);
      assertEquals(404, post(server, "/v1/models/first:predict", "{\"signature_name\":\"scale\",\"instances\":[[1,1,1]]}").statusCode());
      assertTrue(first.isClosed(), "an unloaded model's bundle is closed");
      assertEquals(List.of("second"), server.models().modelNames(), "hidden folders are not models");
    }
  }

  @Test
  void thirtyTwoConcurrentClientsGetNoErrorsAndRequestsAreMergedIntoBatches(@TempDir Path base) throws Exception {
    ServingFixtures.textClassifier(base, "spam", 1, 11);
    BatchingConfig batching = new BatchingConfig(32, 2_000, 2, 1_000, false);
    ServeConfig cfg = ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO).withBatching(batching);
    int clients = 32;
    int perClient = 300;
    try (TfServingServer server = TfServingServer.start(cfg)) {
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
      String metrics = new String(server.metrics().scrape());
      double calls = metricValue(metrics, "jtune_batch_size_count{model=\"spam\"}");
      double rows = metricValue(metrics, "jtune_batch_size_sum{model=\"spam\"}");
      assertEquals(clients * perClient, rows, 0.0);
      assertTrue(calls < rows, "requests were merged: " + calls + " model calls for " + rows + " rows");
    }
  }

  @Test
  void closeFinishesRequestsInFlightThenRefusesConnections(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    // a long batch timeout keeps the request in flight while the server is asked to stop
    BatchingConfig batching = new BatchingConfig(64, 1_500_000, 1, 10, false);
    TfServingServer server =
        TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO).withBatching(batching));
    int port = server.port();
    var warmUp = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build();
    assertEquals(200, HTTP.send(warmUp, HttpResponse.BodyHandlers.ofString()).statusCode());
    CompletableFuture<HttpResponse<String>> inFlight =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return post(server, "/v1/models/generic:predict", "{\"signature_name\":\"scale\",\"instances\":[[1,2,3]]}");
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    // wait until the request is inside the server (bounded), then stop it
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (metricValue(new String(server.metrics().scrape()), "jtune_requests_in_flight") < 1 && System.nanoTime() < deadline) Thread.sleep(10);
    server.close();
    HttpResponse<String> r = inFlight.get();
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("{\"predictions\":[[1.0,2.0,3.0]]}", r.body());
    try {
      HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
      throw new AssertionError("server still accepts connections after close");
    } catch (ConnectException expected) {
      // closed
    }
  }

  @Test
  void aRequestWithoutAResultWithinTheTimeoutGets504AndTheServerStaysUsable(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    // the batch waits 3 s for company; the request gives up after 300 ms
    BatchingConfig batching = new BatchingConfig(64, 3_000_000, 1, 10, false);
    ServeConfig cfg =
        ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO).withBatching(batching).withRequestTimeout(Duration.ofMillis(300));
    try (TfServingServer server = TfServingServer.start(cfg)) {
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
