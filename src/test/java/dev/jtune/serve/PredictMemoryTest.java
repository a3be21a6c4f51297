package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one large predict body costs: a 15 MB body is read into primitive arrays (not a tree of
 * boxed JSON nodes) and a body holding more tensor elements than the server takes is refused
 * with 413 at once, under the default limits.
 */
class PredictMemoryTest {
  @TempDir static Path base;
  static TfServingServer server;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    server = TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO));
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  /** Bytes allocated on the Java heap by every live thread so far (server threads live as long as the server). */
  private static long allocatedBytes() {
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (long b : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) sum += Math.max(0, b);
    return sum;
  }

  private static HttpResponse<String> post(byte[] body) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + server.port() + "/v1/models/generic:predict");
    return HTTP.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aFifteenMegabyteBodyIsDecodedWithoutATreeOfBoxedNumbers() throws Exception {
    // {"signature_name":"total","inputs":[[0.25,-1.5,3.125],...]}: ~2.5 M floats, and one number back
    StringBuilder sb = new StringBuilder(16 << 20).append("{\"signature_name\":\"total\",\"inputs\":[");
    double expected = 0;
    int rows = 0;
    while (sb.length() < 15_000_000) {
      float a = (rows % 7) * 0.25f;
      if (rows > 0) sb.append(',');
      sb.append('[').append(a).append(",-1.5,3.125]");
      expected += a - 1.5 + 3.125;
      rows++;
    }
    byte[] body = sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    sb = null;
    post("{\"signature_name\":\"total\",\"inputs\":[[1,2,3]]}".getBytes(StandardCharsets.UTF_8)); // warm-up

    long before = allocatedBytes();
    long t0 = System.nanoTime();
    HttpResponse<String> r = post(body);
    double seconds = (System.nanoTime() - t0) / 1e9;
    long allocated = allocatedBytes() - before;

    assertEquals(200, r.statusCode(), r.body());
    JsonNode out = TfServingJson.MAPPER.readTree(r.body()).get("outputs");
    assertEquals(expected, out.asDouble(), Math.abs(expected) * 1e-4);
    // the body itself (on both sides of the socket), the float[] it becomes while growing, and
    // Jetty's buffers: about 6 times the body (85 MB), where a JsonNode per number plus a
    // HostTensor per instance took 33 times it (470 MB)
    assertTrue(allocated < 12L * body.length, "allocated " + (allocated >> 20) + " MB for a " + (body.length >> 20) + " MB body of " + rows + " rows");
    assertTrue(seconds < 20, "took " + seconds + " s");
  }

  @Test
  void aBodyWithMoreElementsThanTheLimitIs413AtOnce() throws Exception {
    // 5 M int-valued floats in 13 MB: under --max-body-bytes, over --max-request-elements (4 Mi)
    StringBuilder sb = new StringBuilder(14 << 20).append("{\"signature_name\":\"total\",\"inputs\":[");
    for (int i = 0; i < 5_000_000 / 3; i++) sb.append(i == 0 ? "" : ",").append("[1,1,1]");
    byte[] body = sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    long t0 = System.nanoTime();
    HttpResponse<String> r = post(body);
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(413, r.statusCode(), r.body());
    JsonNode json = TfServingJson.MAPPER.readTree(r.body());
    assertEquals(1, json.size(), r.body());
    assertTrue(json.get("error").asText().contains("--max-request-elements"), r.body());
    assertTrue(seconds < 5, "took " + seconds + " s");
  }
}
