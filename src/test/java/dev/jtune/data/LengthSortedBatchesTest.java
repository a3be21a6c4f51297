package dev.jtune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LengthSortedBatchesTest {
  @Test
  void batchesAreShortestFirstAndTiesKeepInputOrder() {
    List<int[]> batches = LengthSortedBatches.of(new int[] {5, 2, 9, 2, 7}, 2);
    assertEquals(3, batches.size());
    assertArrayEquals(new int[] {1, 3}, batches.get(0));
    assertArrayEquals(new int[] {0, 4}, batches.get(1));
    assertArrayEquals(new int[] {2}, batches.get(2));
  }

  @Test
  void outputsComeBackInInputOrderWhateverTheBatching() {
    List<int[]> rows = List.of(new int[] {1, 7, 7, 2}, new int[] {1, 2}, new int[] {1, 5, 2}, new int[] {1, 9, 9, 9, 2});
    List<Integer> seenSizes = new ArrayList<>();
    // each row's output: its own length and its padded batch width, so both order and padding show
    float[][] out = LengthSortedBatches.run(rows, 3, b -> {
      seenSizes.add(b.size());
      float[] o = new float[b.size() * 2];
      for (int i = 0; i < b.size(); i++) {
        o[2 * i] = b.length(i);
        o[2 * i + 1] = b.seqLen();
      }
      return o;
    });
    assertEquals(List.of(3, 1), seenSizes);
    assertArrayEquals(new float[] {4, 4}, out[0]);
    assertArrayEquals(new float[] {2, 4}, out[1]);
    assertArrayEquals(new float[] {3, 4}, out[2]);
    assertArrayEquals(new float[] {5, 5}, out[3]);
  }
}
