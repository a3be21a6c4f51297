package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every HTTP method on every path: 405 with Allow and a JSON error, OPTIONS, HEAD, TRACE. */
class RestMethodsTest {
  @TempDir static Path base;
  static TfServingServer server;

  static final String READ = "GET, HEAD, OPTIONS";
  static final String VERB = "POST, OPTIONS";
  // path -> the methods it allows
  static final Map<String, String> PATHS =
      Map.of(
          "/v1/models/generic", READ,
          "/v1/models/generic/versions/1", READ,
          "/v1/models/generic/metadata", READ,
          "/v1/models/generic:predict", VERB,
          "/v1/models/generic/versions/1:classify", VERB,
          "/healthz", READ,
          "/readyz", READ,
          "/metrics", READ);

  @BeforeAll
  static void start() throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    server = TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO));
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  @Test
  void aMethodAPathDoesNotAllowIs405WithAllowAndAJsonError() throws Exception {
    for (var p : PATHS.entrySet()) {
      for (String method : List.of("PUT", "DELETE", "PATCH", "TRACE", "QUERY", "FOO", p.getValue().startsWith("GET") ? "POST" : "GET")) {
        RawHttp.Answer a = RawHttp.request(server.port(), method, p.getKey());
        String what = method + " " + p.getKey() + " -> " + a;
        assertEquals(405, a.status(), what);
        assertEquals(p.getValue(), a.header("Allow"), what);
        assertTrue(a.header("Content-Type").startsWith("application/json"), what);
        JsonNode error = TfServingJson.MAPPER.readTree(a.body()).get("error");
        assertTrue(error.asText().startsWith("Malformed request: " + method + " " + p.getKey()), what);
      }
    }
  }

  @Test
  void optionsAnswers204WithTheAllowedMethods() throws Exception {
    for (var p : PATHS.entrySet()) {
      RawHttp.Answer a = RawHttp.request(server.port(), "OPTIONS", p.getKey());
      assertEquals(204, a.status(), p.getKey() + " -> " + a);
      assertEquals(p.getValue(), a.header("Allow"), p.getKey());
      assertEquals("", a.body());
    }
  }

  @Test
  void headIsGetWithoutTheBody() throws Exception {
    for (String path : List.of("/v1/models/generic", "/v1/models/generic/metadata", "/v1/models/nope", "/v1/models/generic/versions/7", "/healthz", "/readyz")) {
      RawHttp.Answer get = RawHttp.request(server.port(), "GET", path);
      RawHttp.Answer head = RawHttp.request(server.port(), "HEAD", path);
      assertEquals(get.status(), head.status(), path);
      assertEquals(get.header("Content-Type"), head.header("Content-Type"), path);
      assertEquals(get.header("Content-Length"), head.header("Content-Length"), path);
      assertEquals(get.header("Content-Length"), Integer.toString(get.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length), path);
      assertEquals("", head.body(), path);
    }
    // nothing is predicted by a HEAD: :predict only allows POST
    RawHttp.Answer head = RawHttp.request(server.port(), "HEAD", "/v1/models/generic:predict");
    assertEquals(405, head.status());
    assertEquals(VERB, head.header("Allow"));
  }

  @Test
  void traceEchoesNothing() throws Exception {
    String request =
        "TRACE /v1/models/generic HTTP/1.1\r\nHost: localhost\r\nX-Secret-Token: s3cr3t-value\r\nCookie: session=abc123\r\nConnection: close\r\n\r\n";
    RawHttp.Answer a = RawHttp.exchange(server.port(), request, 5_000);
    assertEquals(405, a.status());
    assertFalse(a.body().contains("s3cr3t") || a.body().contains("abc123") || a.body().toLowerCase().contains("x-secret"), a.body());
    assertFalse(a.header("Content-Type").startsWith("message/http"), a.toString());
  }

  @Test
  void unknownPathsAre404WithAJsonErrorWhateverTheMethod() throws Exception {
    for (String method : List.of("GET", "POST", "PUT", "FOO")) {
      RawHttp.Answer a = RawHttp.request(server.port(), method, "/v1/nothing-here");
      assertEquals(404, a.status(), method + " -> " + a);
      assertEquals("Malformed request: " + method + " /v1/nothing-here", TfServingJson.MAPPER.readTree(a.body()).get("error").asText());
    }
  }
}
