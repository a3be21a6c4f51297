package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /healthz is liveness; /readyz (and /healthz?ready) is 503 until every model found at start-up is served. */
class ReadinessTest {
  static JsonNode json(RawHttp.Answer a) throws Exception {
    return TfServingJson.MAPPER.readTree(a.body());
  }

  static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(50);
    assertTrue(condition.getAsBoolean(), "condition not reached within 20 s");
  }

  @Test
  void withNoModelTheServerIsLiveButNotReadyUntilOneLoads(@TempDir Path base) throws Exception {
    try (TfServingServer server = TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ofMillis(100)))) {
      RawHttp.Answer live = RawHttp.request(server.port(), "GET", "/healthz");
      assertEquals(200, live.status());
      assertEquals("ok", json(live).get("status").asText());
      for (String path : new String[] {"/readyz", "/healthz?ready"}) {
        RawHttp.Answer ready = RawHttp.request(server.port(), "GET", path);
        assertEquals(503, ready.status(), path + " -> " + ready.body());
        assertEquals("not ready", json(ready).get("status").asText());
        assertTrue(json(ready).get("reason").asText().contains("no model"), ready.body());
      }
      assertEquals(503, RawHttp.request(server.port(), "HEAD", "/readyz").status());
      ServingFixtures.genericModel(base, "generic", 1);
      await(() -> server.models().current("generic").isPresent());
      RawHttp.Answer ready = RawHttp.request(server.port(), "GET", "/readyz");
      assertEquals(200, ready.status(), ready.body());
      assertEquals(TfServingJson.MAPPER.readTree("{\"status\":\"ready\",\"models\":{\"generic\":\"available\"}}"), json(ready));
      assertEquals(200, RawHttp.request(server.port(), "GET", "/healthz?ready").status());
    }
  }

  @Test
  void aModelThatFailedToLoadAtStartKeepsTheServerNotReadyUntilAVersionOfItLoads(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    Path broken = Files.createDirectories(base.resolve("later/1"));
    Files.writeString(broken.resolve("saved_model.pb"), "not a protobuf");
    try (TfServingServer server = TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ofMillis(100)))) {
      RawHttp.Answer ready = RawHttp.request(server.port(), "GET", "/readyz");
      assertEquals(503, ready.status(), ready.body());
      assertEquals("available", json(ready).at("/models/generic").asText());
      assertEquals("failed", json(ready).at("/models/later").asText());
      assertTrue(json(ready).get("reason").asText().contains("[later]"), ready.body());
      assertFalse(ready.body().contains(base.toString()), ready.body());
      // liveness does not depend on models
      assertEquals(200, RawHttp.request(server.port(), "GET", "/healthz").status());
      ServingFixtures.genericModel(base, "later", 2);
      await(() -> server.models().current("later").isPresent());
      assertEquals(200, RawHttp.request(server.port(), "GET", "/readyz").status());
    }
  }

  @Test
  void aModelFoundAtStartThatIsRemovedIsNoLongerWaitedFor(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    Path broken = Files.createDirectories(base.resolve("gone/1"));
    Files.writeString(broken.resolve("saved_model.pb"), "not a protobuf");
    try (TfServingServer server = TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ofMillis(100)))) {
      assertEquals(503, RawHttp.request(server.port(), "GET", "/readyz").status());
      Files.move(base.resolve("gone"), base.resolve(".gone"));
      await(() -> server.models().readiness().ready());
      RawHttp.Answer ready = RawHttp.request(server.port(), "GET", "/readyz");
      assertEquals(200, ready.status(), ready.body());
      assertFalse(json(ready).get("models").has("gone"), ready.body());
    }
  }

  @Test
  void notReadyWhileTheModelsFoundAtStartAreStillLoading(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    try (ModelBase models = ModelBase.at(base, 0)) {
      ModelBase.Readiness loading = models.readiness();
      assertFalse(loading.ready());
      assertTrue(loading.reason().contains("loading"), loading.reason());
      models.start(Duration.ZERO);
      assertTrue(models.readiness().ready(), models.readiness().toString());
    }
  }
}
