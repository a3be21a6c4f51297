package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchPlanTest {
  static EncodedSplit rows(int n) {
    List<int[]> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) ids.add(new int[2 + i % 5]);
    return new EncodedSplit(ids, new int[n]);
  }

  static BatchPlan plan(Map<String, ?> loop, int n, boolean buckets) {
    return new BatchPlan(TrainerTest.config(loop).loop(), rows(n), buckets);
  }

  @Test
  void stepsCountAccumulatedBatchesAndMaxStepsCapsThem() {
    // 10 rows in batches of 3: 4 micro-batches; by 3: 2 optimizer steps per epoch (the last one short)
    BatchPlan p = plan(Map.of("loop.batch_size", 3, "loop.grad_accumulation", 3, "loop.epochs", 5), 10, false);
    assertEquals(4, p.batchesPerEpoch());
    assertEquals(10, p.totalSteps());
    assertEquals(20, p.microBatches());
    BatchPlan capped = plan(Map.of("loop.batch_size", 3, "loop.grad_accumulation", 3, "loop.epochs", 5, "loop.max_steps", 7), 10, false);
    assertEquals(7, capped.totalSteps());
    assertEquals(20, capped.microBatches(), "min(4 * 5, 7 * 3)");
  }

  @Test
  void everyEpochUsesEveryRowOnceInAnOrderFixedBySeedAndEpoch() {
    for (boolean buckets : new boolean[] {false, true}) {
      BatchPlan p = plan(Map.of("loop.batch_size", 4), 23, buckets), again = plan(Map.of("loop.batch_size", 4), 23, buckets);
      int[] all = p.batches(1).stream().flatMapToInt(Arrays::stream).sorted().toArray();
      assertArrayEquals(IntStream.range(0, 23).toArray(), all);
      assertEquals(flat(p.batches(1)), flat(again.batches(1)), "a resumed run repeats the epoch");
      assertNotEquals(flat(p.batches(1)), flat(p.batches(2)), "each epoch its own order");
    }
    assertArrayEquals(new long[] {42, 2 * 6 + 1}, plan(Map.of("loop.batch_size", 4), 23, false).dropoutSeed(2, 1));
  }

  private static List<Integer> flat(List<int[]> batches) {
    return batches.stream().flatMapToInt(Arrays::stream).boxed().toList();
  }
}
