package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that send their body slowly, or not at all, cost a connection and the bytes they sent,
 * never the threads that answer everyone else; their bodies are bounded in time and memory.
 */
class SlowClientsTest {
  static final String SMALL_PREDICT = "{\"signature_name\":\"scale\",\"instances\":[[1,2,3]]}";

  /** Opens a connection that sends headers announcing {@code declared} bytes, then only {@code sent} of them. */
  static Socket slowBody(int port, long declared, int sent) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    String head =
        "POST /v1/models/generic:predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " + declared + "\r\n\r\n";
    byte[] body = new byte[sent];
    Arrays.fill(body, (byte) ' ');
    s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().write(body);
    s.getOutputStream().flush();
    return s;
  }

  static String post(String path, String body) {
    return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + body;
  }

  /** Milliseconds each of {@code n} requests took (each on a new connection), the answers checked. */
  static long[] timed(int port, String request, int expectedStatus, int n) throws IOException {
    long[] ms = new long[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      RawHttp.Answer a = RawHttp.exchange(port, request, 2_000);
      ms[i] = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(expectedStatus, a.status(), a.body());
    }
    Arrays.sort(ms);
    return ms;
  }

  static long p99(long[] sorted) {
    return sorted[(int) Math.ceil(sorted.length * 0.99) - 1];
  }

  /** Resident memory of this JVM (server and test together), from /proc. */
  static long rss() throws IOException {
    for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }
    return -1;
  }

  /** Threads inside a blocking read of a servlet request body. */
  static long threadsReadingBodies() {
    return Thread.getAllStackTraces().values().stream()
        .filter(stack -> Arrays.stream(stack).anyMatch(f -> f.getClassName().endsWith(".HttpInput") && f.getMethodName().startsWith("read")))
        .count();
  }

  static long usedHeap() {
    for (int i = 0; i < 3; i++) System.gc();
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  @Test
  @Timeout(120)
  void fiveHundredSlowBodiesLeaveHealthzAndASmallPredictFast(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    try (TfServingServer server = TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO))) {
      int port = server.port();
      String healthz = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
      String predict = post("/v1/models/generic:predict", SMALL_PREDICT);
      timed(port, healthz, 200, 50); // warm up
      timed(port, predict, 200, 50);
      int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
      long heapBefore = usedHeap();
      long rssBefore = rss();
      List<Socket> slow = new ArrayList<>();
      try {
        for (int i = 0; i < 500; i++) slow.add(slowBody(port, 1_000_000, 1_000));
        Thread.sleep(1_000); // every head and partial body has reached the server
        int threadsWith = ManagementFactory.getThreadMXBean().getThreadCount();
        long heapWith = usedHeap();
        long rssWith = rss();
        long readers = threadsReadingBodies();
        long[] health = timed(port, healthz, 200, 200);
        long[] small = timed(port, predict, 200, 200);
        System.out.printf(
            "500 slow bodies: threads %d -> %d (%d blocked reading a body), heap %.1f -> %.1f MB, RSS %.1f -> %.1f MB, body bytes held %d; "
                + "/healthz p50 %d ms p99 %d ms max %d ms; predict p50 %d ms p99 %d ms max %d ms%n",
            threadsBefore, threadsWith, readers, heapBefore / 1e6, heapWith / 1e6, rssBefore / 1e6, rssWith / 1e6, server.bufferedBodyBytes(),
            health[100], p99(health), health[199], small[100], p99(small), small[199]);
        assertTrue(p99(health) <= 200, "/healthz p99 " + p99(health) + " ms");
        assertTrue(p99(small) <= 200, "predict p99 " + p99(small) + " ms");
        // no thread waits on a slow body (Jetty's pool may grow briefly while 500 connections open at once)
        assertEquals(0, readers, "threads blocked reading a request body");
        assertTrue(threadsWith - threadsBefore < 150, "threads " + threadsBefore + " -> " + threadsWith);
      } finally {
        for (Socket s : slow) s.close();
      }
      // closed connections give their bytes back
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (server.bufferedBodyBytes() > 0 && System.nanoTime() < deadline) Thread.sleep(20);
      assertEquals(0, server.bufferedBodyBytes());
    }
  }

  @Test
  @Timeout(60)
  void closeIsNotHeldUpBySlowBodies(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    TfServingServer server = TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO));
    List<Socket> slow = new ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) slow.add(slowBody(server.port(), 1_000_000, 1_000));
      Thread.sleep(500);
      long t0 = System.nanoTime();
      server.close();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      // a body still arriving is not a request in flight: the 30 s drain does not wait for it
      assertTrue(ms < 5_000, "close took " + ms + " ms");
    } finally {
      server.close();
      for (Socket s : slow) s.close();
    }
  }

  @Test
  @Timeout(60)
  void aBodyThatTricklesOrStallsGets408AndTheConnectionCloses(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    ClientLimits limits = new ClientLimits(Duration.ofMillis(400), Duration.ofMillis(1_000), 1 << 20, ClientLimits.DEFAULT_MAX_REQUEST_ELEMENTS);
    try (TfServingServer server =
        TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO).withMaxBodyBytes(64 * 1024).withLimits(limits))) {
      // one byte every 100 ms: never idle, but not done within the body timeout
      try (Socket s = slowBody(server.port(), 10_000, 10)) {
        s.setSoTimeout(5_000);
        long t0 = System.nanoTime();
        InputStream in = s.getInputStream();
        Thread trickle =
            new Thread(
                () -> {
                  try {
                    for (int i = 0; i < 100; i++) {
                      s.getOutputStream().write(' ');
                      Thread.sleep(100);
                    }
                  } catch (IOException | InterruptedException e) {
                    // the server closed the connection
                  }
                });
        trickle.start();
        RawHttp.Answer a = RawHttp.read(in, false);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(408, a.status(), a.body());
        assertTrue(a.body().contains("--body-timeout-ms"), a.body());
        assertTrue(ms >= 900 && ms < 3_000, ms + " ms");
        assertEquals(-1, in.read(), "connection closed");
        trickle.interrupt();
      }
      // a body that stops: the idle timeout ends it first
      try (Socket s = slowBody(server.port(), 10_000, 10)) {
        s.setSoTimeout(5_000);
        RawHttp.Answer a = RawHttp.read(s.getInputStream(), false);
        assertEquals(408, a.status(), a.body());
        assertTrue(a.body().contains("--idle-timeout-ms"), a.body());
      }
      // a connection that sends half a head, or nothing, is closed after the idle timeout
      for (String partial : List.of("", "GET /healthz HTTP/1.1\r\nHo")) {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
          s.setSoTimeout(5_000);
          s.getOutputStream().write(partial.getBytes(StandardCharsets.US_ASCII));
          long t0 = System.nanoTime();
          int r;
          try {
            r = s.getInputStream().read();
            while (r >= 0) r = s.getInputStream().read();
          } catch (SocketTimeoutException e) {
            throw new AssertionError("connection still open after 5 s with '" + partial + "'");
          } catch (IOException reset) {
            r = -1;
          }
          assertTrue((System.nanoTime() - t0) / 1_000_000 < 3_000);
        }
      }
      assertEquals(0, server.bufferedBodyBytes());
    }
  }

  @Test
  @Timeout(60)
  void bodiesOverTheMemoryCapGet503WhileSmallRequestsStillPass(@TempDir Path base) throws Exception {
    ServingFixtures.genericModel(base, "generic", 1);
    ClientLimits limits = new ClientLimits(Duration.ofSeconds(30), Duration.ofSeconds(30), 32 * 1024, ClientLimits.DEFAULT_MAX_REQUEST_ELEMENTS);
    try (TfServingServer server =
        TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO).withMaxBodyBytes(16 * 1024).withLimits(limits))) {
      int port = server.port();
      List<Socket> big = new ArrayList<>();
      try {
        big.add(slowBody(port, 16_000, 15_000));
        big.add(slowBody(port, 16_000, 15_000));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.bufferedBodyBytes() < 32_000 && System.nanoTime() < deadline) Thread.sleep(10);
        assertEquals(32_000, server.bufferedBodyBytes());
        try (Socket third = slowBody(port, 16_000, 9_000)) {
          third.setSoTimeout(5_000);
          RawHttp.Answer a = RawHttp.read(third.getInputStream(), false);
          assertEquals(503, a.status(), a.body());
          assertEquals("1", a.header("Retry-After"));
          assertTrue(a.body().contains("--max-buffered-body-bytes"), a.body());
        }
        RawHttp.Answer small = RawHttp.exchange(port, post("/v1/models/generic:predict", SMALL_PREDICT), 5_000);
        assertEquals(200, small.status(), small.body());
      } finally {
        for (Socket s : big) s.close();
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (server.bufferedBodyBytes() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
      assertEquals(0, server.bufferedBodyBytes());
      // the space is back: a body of the largest size is read again
      String large = "{\"signature_name\":\"scale\",\"instances\":[" + "[1,2,3],".repeat(1_900) + "[1,2,3]]}";
      assertTrue(large.length() > 15_000 && large.length() <= 16 * 1024, "" + large.length());
      RawHttp.Answer a = RawHttp.exchange(port, post("/v1/models/generic:predict", large), 10_000);
      assertEquals(200, a.status(), a.body());
    }
  }
}
