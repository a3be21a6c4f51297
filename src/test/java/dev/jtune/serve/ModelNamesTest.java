package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model names are folder names: reachable by percent-encoding them, decoded once; the unreachable are skipped. */
class ModelNamesTest {
  static final String PREDICT = "{\"signature_name\":\"scale\",\"instances\":[[1,2,3]]}";

  /** Percent-encodes every byte of a name but letters, digits and -._~ (RFC 3986 unreserved). */
  static String encode(String name) {
    StringBuilder b = new StringBuilder();
    for (byte x : name.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') b.append((char) c);
      else b.append('%').append(String.format("%02X", c));
    }
    return b.toString();
  }

  static RawHttp.Answer predict(int port, String encodedName) throws Exception {
    return RawHttp.exchange(
        port,
        "POST /v1/models/" + encodedName + ":predict HTTP/1.1\r\nHost: x\r\nContent-Length: " + PREDICT.length() + "\r\nConnection: close\r\n\r\n" + PREDICT,
        10_000);
  }

  static void model(Path base, String name) throws Exception {
    Path v = ServingFixtures.genericModel(base, ".staging", 1);
    Files.move(v.getParent(), base.resolve(name));
  }

  @Test
  void namesWithSpacesNonAsciiColonsAndPercentSignsAreReachedByPercentEncoding(@TempDir Path base) throws Exception {
    List<String> names = List.of("my model", "grün", "a:b", "pct%41", "semi;colon", "q?mark#", "plus+sign", "emoji😀");
    for (String n : names) model(base, n);
    try (TfServingServer server = TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO))) {
      for (String n : names) {
        RawHttp.Answer status = RawHttp.request(server.port(), "GET", "/v1/models/" + encode(n));
        assertEquals(200, status.status(), n + " -> " + status.body());
        RawHttp.Answer p = predict(server.port(), encode(n) + "/versions/1");
        assertEquals("{\"predictions\":[[1.0,2.0,3.0]]}", p.body(), n);
        RawHttp.Answer meta = RawHttp.request(server.port(), "GET", "/v1/models/" + encode(n) + "/metadata");
        assertEquals(n, TfServingJson.MAPPER.readTree(meta.body()).at("/model_spec/name").asText());
      }
      // decoded exactly once: %41 is 'A', %2541 is the text %41, %252541 the text %2541
      assertEquals(404, RawHttp.request(server.port(), "GET", "/v1/models/pct%41").status());
      assertEquals(200, RawHttp.request(server.port(), "GET", "/v1/models/pct%2541").status());
      assertEquals(404, RawHttp.request(server.port(), "GET", "/v1/models/pct%252541").status());
      // a lower-case escape is the same byte; a '+' in a path is a plus, not a space
      assertEquals(200, RawHttp.request(server.port(), "GET", "/v1/models/a%3ab").status());
      assertEquals(200, RawHttp.request(server.port(), "GET", "/v1/models/plus+sign").status());
      // an encoded slash or dot-dot is part of a name, never a path step
      assertEquals(404, RawHttp.request(server.port(), "GET", "/v1/models/..%2Fgr%C3%BCn").status());
      assertEquals(404, RawHttp.request(server.port(), "GET", "/v1/models/%2E%2E").status());
      // not valid percent-encoded UTF-8
      assertEquals(400, RawHttp.request(server.port(), "GET", "/v1/models/gr%FCn").status());
    }
  }

  @Test
  void foldersWhoseNamesNoUrlCanReachAreSkippedWithOneLogLineAndTheOthersServe(@TempDir Path base) throws Exception {
    model(base, "good");
    model(base, "tab\there");
    model(base, "line\nbreak");
    model(base, "latin1");
    // a name that is not valid UTF-8 on disk (byte 0xFF): Java can only read it lossily
    Process mv = new ProcessBuilder("bash", "-c", "mv \"$0\"/latin1 \"$0\"/$'caf\\xff'", base.toString()).inheritIO().start();
    assertTrue(mv.waitFor(10, TimeUnit.SECONDS) && mv.exitValue() == 0);
    PrintStream stderr = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    String logged;
    try (TfServingServer server = TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ofMillis(50)))) {
      Thread.sleep(500); // several polls: still one line per folder
      assertEquals(List.of("good"), server.models().modelNames());
      assertEquals("{\"predictions\":[[1.0,2.0,3.0]]}", predict(server.port(), "good").body());
      assertTrue(server.models().readiness().ready(), server.models().readiness().toString());
    } finally {
      System.setErr(stderr);
      logged = log.toString(StandardCharsets.UTF_8);
    }
    List<String> skipped = logged.lines().filter(l -> l.contains("skipping model folder")).toList();
    assertEquals(3, skipped.size(), logged);
    assertTrue(skipped.stream().anyMatch(l -> l.contains("tab<U+0009>here") && l.contains("U+0009") && l.contains("rename")), skipped.toString());
    assertTrue(skipped.stream().anyMatch(l -> l.contains("line<U+000A>break")), skipped.toString());
    assertTrue(skipped.stream().anyMatch(l -> l.contains("file name encoding")), skipped.toString());
    assertFalse(logged.contains("line\nbreak"), "a name cannot break a log line");
  }
}
