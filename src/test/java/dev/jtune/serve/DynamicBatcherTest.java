package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests arriving together become one model call; results are split back exactly. The batch
 * timeouts are fired by the test ({@link ManualBatchTimer}), so a batch closes exactly when the
 * test says its time is up, or when it is full.
 */
@Timeout(120) // a failsafe against a hang, not part of what is checked
class DynamicBatcherTest {
  @TempDir static Path base;
  static ServableVersion generic;
  static ServableVersion classifier;

  @BeforeAll
  static void load() throws Exception {
    generic = ServableVersion.load("generic", 4, ServingFixtures.genericModel(base, "generic", 4), 0);
    classifier = ServableVersion.load("spam", 1, ServingFixtures.textClassifier(base, "spam", 1, 9), 0);
  }

  @AfterAll
  static void close() {
    generic.retire();
    classifier.retire();
  }

  private static double calls(ServingMetrics m, String model) {
    return HotReloadAndLoadTest.metricValue(new String(m.scrape()), "jtune_batch_size_count{model=\"" + model + "\"}");
  }

  private static double rows(ServingMetrics m, String model) {
    return HotReloadAndLoadTest.metricValue(new String(m.scrape()), "jtune_batch_size_sum{model=\"" + model + "\"}");
  }

  private static CompletableFuture<Map<String, HostTensor>> scale(DynamicBatcher b, int rows, float v) {
    float[] x = new float[3 * rows];
    java.util.Arrays.fill(x, v);
    return b.submit(generic, "scale", Map.of("x", HostTensor.ofFloats(new long[] {rows, 3}, x)), false);
  }

  @Test
  void requestsArrivingBeforeTheTimeoutRunAsOneCallAndGetTheirOwnRows() throws Exception {
    ServingMetrics metrics = new ServingMetrics();
    ManualBatchTimer timer = new ManualBatchTimer();
    List<CompletableFuture<Map<String, HostTensor>>> results = new ArrayList<>();
    try (DynamicBatcher b = new DynamicBatcher(new BatchingConfig(32, 1_000_000, 1, 10, false), metrics, timer)) {
      for (int i = 0; i < 6; i++) {
        float v = i;
        results.add(b.submit(generic, "scale", Map.of("x", HostTensor.ofFloats(new long[] {1, 3}, new float[] {v, v + 1, v + 2})), false));
      }
      assertEquals(List.of(1_000_000L), timer.delays(), "one open batch, waiting batch_timeout_micros");
      assertFalse(results.stream().anyMatch(CompletableFuture::isDone), "nothing runs while the batch is open");
      assertEquals(1, timer.fire());
      for (int i = 0; i < 6; i++) {
        assertArrayEquals(new float[] {4 * i, 4 * (i + 1), 4 * (i + 2)}, results.get(i).get().get("y").floats());
      }
    }
    assertEquals(1.0, calls(metrics, "generic"));
    assertEquals(6.0, rows(metrics, "generic"));
  }

  @Test
  void aFullBatchRunsWithoutWaitingForTheTimeout() throws Exception {
    ServingMetrics metrics = new ServingMetrics();
    ManualBatchTimer timer = new ManualBatchTimer();
    try (DynamicBatcher b = new DynamicBatcher(new BatchingConfig(4, 60_000_000, 1, 10, false), metrics, timer)) {
      List<CompletableFuture<Map<String, HostTensor>>> rs = new ArrayList<>();
      for (int i = 0; i < 4; i++) rs.add(scale(b, 1, 1));
      for (var r : rs) assertArrayEquals(new float[] {4, 4, 4}, r.get().get("y").floats());
      assertEquals(0, timer.waiting(), "the full batch cancelled its timeout");
    }
    assertEquals(1.0, calls(metrics, "generic"));
    assertEquals(4.0, rows(metrics, "generic"));
  }

  @Test
  void aRequestThatDoesNotFitClosesTheOpenBatchAndOpensTheNext() throws Exception {
    ServingMetrics metrics = new ServingMetrics();
    ManualBatchTimer timer = new ManualBatchTimer();
    try (DynamicBatcher b = new DynamicBatcher(new BatchingConfig(4, 1_000, 1, 10, false), metrics, timer)) {
      var three = scale(b, 3, 1);
      var two = scale(b, 2, 2); // 3 + 2 rows > 4: the first batch closes and runs, the second waits
      assertArrayEquals(new float[] {4, 4, 4, 4, 4, 4, 4, 4, 4}, three.get().get("y").floats());
      assertFalse(two.isDone());
      assertEquals(List.of(1_000L, 1_000L), timer.delays());
      assertEquals(1, timer.fire(), "the first batch's timeout was cancelled");
      assertArrayEquals(new float[] {8, 8, 8, 8, 8, 8}, two.get().get("y").floats());
    }
    assertEquals(2.0, calls(metrics, "generic"));
    assertEquals(5.0, rows(metrics, "generic"));
  }

  @Test
  void closeRunsTheBatchesStillWaiting() throws Exception {
    ServingMetrics metrics = new ServingMetrics();
    ManualBatchTimer timer = new ManualBatchTimer();
    CompletableFuture<Map<String, HostTensor>> first, second;
    try (DynamicBatcher b = new DynamicBatcher(new BatchingConfig(32, 60_000_000, 1, 10, false), metrics, timer)) {
      first = scale(b, 1, 1);
      second = scale(b, 2, 3);
      assertFalse(first.isDone() || second.isDone());
    }
    assertArrayEquals(new float[] {4, 4, 4}, first.get().get("y").floats());
    assertArrayEquals(new float[] {12, 12, 12, 12, 12, 12}, second.get().get("y").floats());
    assertEquals(0, timer.waiting(), "closing cancelled the timeout");
    assertEquals(1.0, calls(metrics, "generic"));
  }

  @Test
  void paddedTokenRequestsAreGroupedBySimilarLengthAndEqualSeparateCalls() throws Exception {
    ServingMetrics metrics = new ServingMetrics();
    ManualBatchTimer timer = new ManualBatchTimer();
    ClassifierAssets a = classifier.classifier().orElseThrow();
    List<String> texts =
        List.of("hello", "win money", "please review the attached project report thanks", "please review the attached report now thanks", "the team meeting notes");
    List<CompletableFuture<Map<String, HostTensor>>> results = new ArrayList<>();
    try (DynamicBatcher b = new DynamicBatcher(new BatchingConfig(32, 1_000_000, 1, 10, false), metrics, timer)) {
      for (String t : texts) results.add(b.submit(classifier, "serving_default", ClassifierAssets.inputs(a.batch(List.of(a.encode(t)))), true));
      assertEquals(1, timer.fire(), "all five wait in one padded batch");
      for (int i = 0; i < texts.size(); i++) {
        float[] alone = classifier.run("serving_default", ClassifierAssets.inputs(a.batch(List.of(a.encode(texts.get(i)))))).get("probabilities").floats();
        assertArrayEquals(alone, results.get(i).get().get("probabilities").floats(), 1e-6f);
      }
    }
    // token counts 3, 4 | 6, 9, 9 (with [CLS]/[SEP]): two groups, each within 1.5x of its shortest row
    assertEquals(2.0, calls(metrics, "spam"));
    assertEquals(5.0, rows(metrics, "spam"));
  }
}
