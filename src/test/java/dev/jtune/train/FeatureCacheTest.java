package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.JtuneException;
import dev.jtune.model.BertConfig;
import dev.jtune.model.BertEncoder;
import dev.jtune.model.EncoderWeights;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/** The frozen-encoder feature pass: rows in input order whatever the batching, and a failed setup that returns. */
class FeatureCacheTest {
  @TempDir Path dir;

  @Test
  void featuresOfLengthSortedBatchesAreEachRowsOwnInInputOrder() {
    Random r = new Random(2);
    List<int[]> ids = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      int[] t = new int[3 + r.nextInt(12)];
      t[0] = 1;
      t[t.length - 1] = 2;
      for (int j = 1; j < t.length - 1; j++) t[j] = 8 + r.nextInt(92);
      ids.add(t);
    }
    int h = 2 * TinyEncoder.CONFIG.hiddenSize();
    List<Integer> progress = new ArrayList<>();
    try (FeatureCache.Extractor ex = new FeatureCache.Extractor(TinyEncoder.CONFIG, TrainerTest.PRETRAINED, "mean", 2)) {
      ex.extract(ids, 4, dir.resolve("all.f32"), progress::add);
      float[] all = FeatureCache.open(dir.resolve("all.f32"), ids.size(), h, 1 << 20).orElseThrow().rows(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8});
      for (int i = 0; i < ids.size(); i++) {
        Path one = dir.resolve("row" + i + ".f32");
        ex.extract(List.of(ids.get(i)), 1, one, null);
        float[] alone = FeatureCache.open(one, 1, h, 1 << 20).orElseThrow().rows(new int[] {0});
        assertArrayEquals(alone, java.util.Arrays.copyOfRange(all, i * h, (i + 1) * h), 1e-5f, "row " + i);
      }
    }
    assertEquals(List.of(4, 8, 9), progress, "rows done after each batch");
  }

  @Test
  void weightsOfAnotherEncoderAreRefusedAndTheSessionClosed() {
    EncoderWeights withPooler;
    try (Graph g = new Graph()) {
      BertEncoder e = BertEncoder.build(g, BertConfig.tiny(BertConfig.Pooler.DENSE), BertEncoder.Options.inference());
      try (Session s = new Session(g)) {
        s.initialize();
        withPooler = e.readWeights(s);
      }
    }
    // the weights fail only once the session exists; a graph waits for its sessions, so closing
    // it while the session is still open would never return
    JtuneException refused = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThrows(JtuneException.class,
        () -> new FeatureCache.Extractor(TinyEncoder.CONFIG, withPooler, "mean", 2).close()));
    assertTrue(refused.getMessage().startsWith("encoder weights: weights do not fit the encoder config (2 problems: unexpected "),
        refused.getMessage());
  }
}
