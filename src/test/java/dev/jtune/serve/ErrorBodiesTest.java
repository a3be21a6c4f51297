package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No response body names a server path or carries a stack trace: each kind of error is provoked
 * with the model base in a temp folder, and every body is checked.
 */
class ErrorBodiesTest {
  record Case(String what, String request, int status) {}

  static String post(String path, String body) {
    return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + body;
  }

  static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  }

  @Test
  void noErrorBodyNamesAServerPathOrCarriesAStackTrace(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    ServingFixtures.failingModel(base, "failing", 1);
    // load failures: a corrupt graph, corrupt variables, classifier assets that do not parse
    Files.writeString(Files.createDirectories(base.resolve("corrupt/1")).resolve("saved_model.pb"), "not a protobuf");
    Path badvars = ServingFixtures.genericModel(base, "badvars", 1);
    Files.writeString(badvars.resolve("variables/variables.index"), "not a checkpoint index");
    Path assets = ServingFixtures.textClassifier(base, "badassets", 1, 3);
    Files.writeString(assets.resolve("assets.extra/tokenizer.json"), "{ this is not json");
    ClientLimits limits = new ClientLimits(Duration.ofSeconds(30), Duration.ofMillis(300), 1 << 20, ClientLimits.DEFAULT_MAX_REQUEST_ELEMENTS);
    ServeConfig cfg = ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO).withMaxBodyBytes(64 * 1024).withLimits(limits);
    List<Case> cases =
        List.of(
            new Case("corrupt graph, status", get("/v1/models/corrupt"), 404),
            new Case("corrupt graph, predict", post("/v1/models/corrupt:predict", "{\"instances\":[1]}"), 404),
            new Case("corrupt variables", get("/v1/models/badvars/versions/1"), 404),
            new Case("broken classifier assets", post("/v1/models/badassets:classify", "{\"examples\":[{\"text\":\"hi\"}]}"), 404),
            new Case("runtime assertion naming a file", post("/v1/models/failing:predict", "{\"instances\":[-1.0,2.0]}"), 400),
            new Case("runtime file not found", post("/v1/models/failing:predict", "{\"signature_name\":\"read_missing\",\"instances\":[1.0]}"), 500),
            new Case("malformed JSON", post("/v1/models/generic:predict", "{\"instances\": [[1,2,3]"), 400),
            new Case("JSON not an object", post("/v1/models/generic:predict", "[1,2,3]"), 400),
            new Case("deep JSON", post("/v1/models/generic:predict", "[".repeat(5_000) + "]".repeat(5_000)), 400),
            new Case("integer out of range", post("/v1/models/generic:predict", "{\"instances\":[{\"x\":[1,2,3],\"k\":99999999999}]}"), 400),
            new Case("control character in JSON", post("/v1/models/generic:predict", "{\"instances\":\"a\u0001b\"}"), 400),
            new Case("wrong dtype", post("/v1/models/generic:predict", "{\"instances\":[{\"x\":[\"a\",\"b\",\"c\"],\"k\":1}]}"), 400),
            new Case("unknown signature", post("/v1/models/generic:predict", "{\"signature_name\":\"" + base + "\",\"instances\":[[1,2,3]]}"), 400),
            new Case("unknown model", get("/v1/models/nope"), 404),
            new Case("unknown version", get("/v1/models/generic/versions/9"), 404),
            new Case("bad version", get("/v1/models/generic/versions/x"), 400),
            new Case("unknown verb", post("/v1/models/generic:explain", "{}"), 404),
            new Case("wrong method", "PUT /v1/models/generic HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405),
            new Case("unknown path", get("/v2/anything"), 404),
            new Case("bad percent-encoding", get("/v1/models/%ZZ"), 400),
            new Case("bad UTF-8", get("/v1/models/%C3"), 400),
            new Case("headers too large", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\nConnection: close\r\n\r\n", 431),
            new Case("not HTTP", "GARBAGE\r\n\r\n", 400),
            new Case("declared body too large", "POST /v1/models/generic:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n", 413),
            new Case("body stalls", "POST /v1/models/generic:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"inst", 408));
    List<String> bodies = new ArrayList<>();
    try (TfServingServer server = TfServingServer.start(cfg)) {
      for (Case c : cases) {
        RawHttp.Answer a = RawHttp.exchange(server.port(), c.request(), 10_000);
        assertEquals(c.status(), a.status(), c.what() + " -> " + a.body());
        assertTrue(a.header("Content-Type").startsWith("application/json"), c.what() + " -> " + a.headers());
        assertTrue(TfServingJson.MAPPER.readTree(a.body()).get("error").asText().length() > 3, c.what() + " -> " + a.body());
        bodies.add(c.what() + " -> " + a.body());
      }
      for (String path : List.of("/readyz", "/v1/models/failing/metadata", "/metrics")) {
        bodies.add(path + " -> " + RawHttp.request(server.port(), "GET", path).body());
      }
      // the details stay on the server
      assertTrue(server.models().lastError("corrupt").orElseThrow().contains(base.toString()));
    }
    List<String> forbidden = new ArrayList<>(List.of(base.toString(), base.toRealPath().toString(), "at dev.jtune", "Exception", "org.eclipse", "java.", "\tat "));
    for (String body : bodies) {
      for (String f : forbidden) assertFalse(body.contains(f), "'" + f + "' in " + body);
    }
    // paths under the model base are still shown, relative to it
    assertTrue(bodies.stream().anyMatch(b -> b.contains("failing/1/assets/missing.txt")), String.join("\n", bodies));
    assertTrue(bodies.stream().anyMatch(b -> b.contains("corrupt/1")), String.join("\n", bodies));
  }

  @Test
  void scrubKeepsTheFirstLineAndHidesPathsAndJavaNames(@TempDir Path base) {
    ClientErrorText text = new ClientErrorText(base);
    assertEquals("m/1: cannot load: Read less bytes", text.scrub(base + "/m/1: cannot load: Read less bytes\n\tat dev.jtune.serve.X.y(X.java:1)"));
    assertEquals("Failed to open <path>: denied", text.scrub("Failed to open /etc/jtune/secret.key: denied"));
    assertEquals("Malformed request: GET /v1/models/x", text.scrub("Malformed request: GET /v1/models/x"));
    assertEquals("boom", text.scrub("java.lang.IllegalStateException: boom"));
    assertEquals("Internal error", text.scrub(null));
    assertTrue(text.scrub("x".repeat(10_000)).length() <= ClientErrorText.MAX_CHARS + 3);
    assertFalse(text.scrub("data in " + System.getProperty("java.io.tmpdir") + "/x.bin").contains(System.getProperty("java.io.tmpdir")));
  }
}
