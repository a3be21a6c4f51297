package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jtune bench serve on the tiny fixture classifier: every pass runs and reports its figures. */
class ServeBenchmarkTest {
  @TempDir Path dir;

  @Test
  void reportsLargePredictBodiesAnsweredByAChildServerWithItsPeakRss() throws Exception {
    Path exports = dir.resolve("exports");
    ServingFixtures.textClassifier(exports, "spam", 1, 3);
    Path texts = dir.resolve("texts.csv");
    Files.write(texts, List.of("text", "win free money now", "please review the project report", "call me tomorrow"));
    var config =
        new ServeBenchmark.Config(
            exports.resolve("spam"), texts, "text", 2, 2, new BatchingConfig(4, 1000, 1, 10, false), 0, dir.resolve("work"), 2, 0.5);
    JsonNode r = new ServeBenchmark(config, new PrintStream(new ByteArrayOutputStream())).run();

    assertTrue(r.get("offline_rows_per_s").asDouble() > 0, r.toString());
    assertEquals(0, r.at("/server_batching_off/errors").asInt(), r.toString());
    JsonNode large = r.get("large_predict_bodies");
    assertEquals(2, large.get("bodies").asInt(), r.toString());
    assertTrue(large.get("body_bytes").asLong() >= 500_000, r.toString());
    // half a megabyte of token ids is under the default element limit: both are answered
    assertEquals("[200,200]", large.get("statuses").toString(), r.toString());
    assertEquals(2, large.get("latency_ms").size());
    assertTrue(large.get("serve_peak_rss_mb").asDouble() >= large.get("serve_rss_idle_mb").asDouble(), r.toString());
    assertTrue(large.get("serve_rss_idle_mb").asDouble() > 50, r.toString());
    assertTrue(r.has("cpu_model") || !Files.exists(Path.of("/proc/cpuinfo")), r.toString());
  }
}
