package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests arriving together become one model call; results are split back exactly. */
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

  @Test
  void concurrentRequestsWithinTheTimeoutRunAsOneCallAndGetTheirOwnRows() throws Exception {
    ServingMetrics metrics = new ServingMetrics();
    List<CompletableFuture<Map<String, HostTensor>>> results = new ArrayList<>();
    try (DynamicBatcher b = new DynamicBatcher(new BatchingConfig(32, 1_000_000, 1, 10, false), metrics)) {
      for (int i = 0; i < 6; i++) {
        float v = i;
        results.add(b.submit(generic, "scale", Map.of("x", HostTensor.ofFloats(new long[] {1, 3}, new float[] {v, v + 1, v + 2})), false));
      }
      for (int i = 0; i < 6; i++) {
        assertArrayEquals(new float[] {4 * i, 4 * (i + 1), 4 * (i + 2)}, results.get(i).get().get("y").floats());
      }
    }
    assertEquals(1.0, calls(metrics, "generic"));
  }

  @Test
  void aFullBatchRunsWithoutWaitingForTheTimeout() throws Exception {
    ServingMetrics metrics = new ServingMetrics();
    try (DynamicBatcher b = new DynamicBatcher(new BatchingConfig(4, 60_000_000, 1, 10, false), metrics)) {
      List<CompletableFuture<Map<String, HostTensor>>> rs = new ArrayList<>();
      for (int i = 0; i < 4; i++) rs.add(b.submit(generic, "scale", Map.of("x", HostTensor.ofFloats(new long[] {1, 3}, new float[] {1, 1, 1})), false));
      for (var r : rs) r.get(20, java.util.concurrent.TimeUnit.SECONDS);
    }
    assertEquals(1.0, calls(metrics, "generic"));
  }

  @Test
  void paddedTokenRequestsAreGroupedBySimilarLengthAndEqualSeparateCalls() throws Exception {
    ServingMetrics metrics = new ServingMetrics();
    ClassifierAssets a = classifier.classifier().orElseThrow();
    List<String> texts =
        List.of("hello", "win money", "please review the attached project report thanks", "please review the attached report now thanks", "the team meeting notes");
    List<CompletableFuture<Map<String, HostTensor>>> results = new ArrayList<>();
    try (DynamicBatcher b = new DynamicBatcher(new BatchingConfig(32, 1_000_000, 1, 10, false), metrics)) {
      for (String t : texts) results.add(b.submit(classifier, "serving_default", ClassifierAssets.inputs(a.batch(List.of(a.encode(t)))), true));
      for (int i = 0; i < texts.size(); i++) {
        float[] alone = classifier.run("serving_default", ClassifierAssets.inputs(a.batch(List.of(a.encode(texts.get(i)))))).get("probabilities").floats();
        assertArrayEquals(alone, results.get(i).get().get("probabilities").floats(), 1e-6f);
      }
    }
    // token counts 3, 4 | 6, 9, 9 (with [CLS]/[SEP]): two groups, each within 1.5x of its shortest row
    assertEquals(2.0, calls(metrics, "spam"));
  }
}
