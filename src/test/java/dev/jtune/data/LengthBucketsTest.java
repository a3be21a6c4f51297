package dev.jtune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LengthBucketsTest {
  private static int[] lengths(int n) {
    Random r = new Random(3);
    int[] lengths = new int[n];
    for (int i = 0; i < n; i++) lengths[i] = 3 + r.nextInt(126);
    return lengths;
  }

  @Test
  void usesEveryIndexExactlyOnceInBatchesOfAtMostBatchSize() {
    int[] lengths = lengths(5003);
    List<int[]> batches = LengthBuckets.batches(lengths, 32, 1);
    int[] all = batches.stream().flatMapToInt(Arrays::stream).sorted().toArray();
    assertEquals(5003, all.length);
    for (int i = 0; i < all.length; i++) assertEquals(i, all[i]);
    assertTrue(batches.stream().allMatch(b -> b.length >= 1 && b.length <= 32));
  }

  @Test
  void wastesFarLessPaddingThanRandomBatches() {
    int[] lengths = lengths(5000);
    long bucketed = LengthBuckets.paddedTokens(LengthBuckets.batches(lengths, 32, 1), lengths);
    long random = LengthBuckets.paddedTokens(LengthBuckets.batches(lengths, 32 * LengthBuckets.WINDOW_BATCHES * 1000, 1)
        .stream().flatMap(b -> chunk(b, 32).stream()).toList(), lengths);
    long real = Arrays.stream(lengths).asLongStream().sum();
    assertTrue(bucketed - real < (random - real) / 5, "padding bucketed " + (bucketed - real) + " vs random " + (random - real));
  }

  @Test
  void isDeterministicForASeed() {
    int[] lengths = lengths(1000);
    List<int[]> a = LengthBuckets.batches(lengths, 16, 7);
    List<int[]> b = LengthBuckets.batches(lengths, 16, 7);
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i), b.get(i));
  }

  /** Cuts one long (sorted) batch back into random-order batches: the unbucketed baseline. */
  private static List<int[]> chunk(int[] indices, int size) {
    int[] shuffled = indices.clone();
    Random r = new Random(9);
    for (int i = shuffled.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = shuffled[i];
      shuffled[i] = shuffled[j];
      shuffled[j] = t;
    }
    List<int[]> out = new java.util.ArrayList<>();
    for (int s = 0; s < shuffled.length; s += size) out.add(Arrays.copyOfRange(shuffled, s, Math.min(shuffled.length, s + size)));
    return out;
  }
}
