package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics labels come only from loaded models and known APIs, whatever clients send. */
class MetricsLabelsTest {
  static String metrics(TfServingServer s) throws Exception {
    RawHttp.Answer a = RawHttp.request(s.port(), "GET", "/metrics");
    assertEquals(200, a.status());
    return a.body();
  }

  static String randomName(Random r, int length) {
    String letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) b.append(letters.charAt(r.nextInt(letters.length())));
    return b.toString();
  }

  @Test
  void thousandsOfRequestsWithRandomNamesAndVerbsLeaveMetricsBounded(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    try (TfServingServer server = TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO))) {
      // one request of each kind first, so every label combination a client can cause exists
      RawHttp.request(server.port(), "GET", "/v1/models/generic");
      String before = metrics(server);
      List<String> sent = new ArrayList<>();
      ExecutorService clients = Executors.newFixedThreadPool(4);
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < 4; c++) {
        Random r = new Random(c);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 500; i++) names.add(randomName(r, 1024));
        synchronized (sent) {
          sent.addAll(names);
        }
        done.add(
            clients.submit(
                () -> {
                  for (int i = 0; i < names.size(); i++) {
                    String n = names.get(i);
                    switch (i % 4) {
                      case 0 -> RawHttp.request(server.port(), "GET", "/v1/models/" + n);
                      case 1 -> RawHttp.request(server.port(), "GET", "/v1/models/" + n + "/metadata");
                      case 2 -> RawHttp.request(server.port(), "POST", "/v1/models/generic:" + n.replaceAll("[0-9]", "x"));
                      default -> RawHttp.request(server.port(), "POST", "/v1/models/" + n + ":predict");
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) f.get();
      clients.shutdown();
      String after = metrics(server);
      System.out.printf("/metrics: %d bytes before, %d after %d requests with random 1 KB names and verbs%n", before.length(), after.length(), sent.size());
      // a few new series for the 'unknown' model and API with their status codes, nothing per request
      assertTrue(after.length() < before.length() + 16 * 1024, "metrics grew from " + before.length() + " to " + after.length() + " bytes");
      for (String n : sent) assertFalse(after.contains(n.substring(0, 32)), "a client's name became a label");
      assertTrue(after.contains("model=\"unknown\""), after);
      assertTrue(after.contains("api=\"unknown\""), after);
      assertTrue(after.contains("model=\"generic\""), after);
    }
  }

  @Test
  void theSeriesOfARemovedModelAreDropped(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    ServingFixtures.genericModel(base, "leaving", 4);
    try (TfServingServer server = TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ofMillis(100)))) {
      String predict = "{\"signature_name\":\"scale\",\"instances\":[[1,2,3]]}";
      for (String m : List.of("generic", "leaving")) {
        RawHttp.Answer a =
            RawHttp.exchange(
                server.port(),
                "POST /v1/models/" + m + ":predict HTTP/1.1\r\nHost: x\r\nContent-Length: " + predict.length() + "\r\nConnection: close\r\n\r\n" + predict,
                10_000);
        assertEquals(200, a.status(), a.body());
        RawHttp.request(server.port(), "GET", "/v1/models/" + m + "/versions/99");
      }
      assertTrue(metrics(server).contains("model=\"leaving\""));
      Files.move(base.resolve("leaving"), base.resolve(".leaving-removed"));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (server.models().current("leaving").isPresent() && System.nanoTime() < deadline) Thread.sleep(50);
      String after = metrics(server);
      assertFalse(after.contains("leaving"), after);
      assertTrue(after.contains("jtune_requests_total{api=\"predict\",code=\"200\",model=\"generic\"}"), after);
      assertTrue(after.contains("jtune_model_version{model=\"generic\"} 1"), after);
    }
  }
}
