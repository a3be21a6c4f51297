package dev.jtune.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Batches of example indices in which texts have similar lengths, so that padding to the longest
 * sequence of a batch wastes little compute. Indices are shuffled, cut into windows of
 * {@value #WINDOW_BATCHES} batches, sorted by length within each window and cut into batches; the
 * batch order is shuffled again. Every index appears exactly once; the result depends only on the
 * lengths, the batch size and the seed.
 */
public final class LengthBuckets {
  /** Batches per sorting window: larger = less padding, less randomness. */
  public static final int WINDOW_BATCHES = 50;

  private LengthBuckets() {}

  public static List<int[]> batches(int[] lengths, int batchSize, long seed) {
    if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    Random random = new Random(seed);
    List<Integer> order = new ArrayList<>(IntStream.range(0, lengths.length).boxed().toList());
    Collections.shuffle(order, random);
    int window = batchSize * WINDOW_BATCHES;
    List<int[]> batches = new ArrayList<>();
    for (int start = 0; start < order.size(); start += window) {
      List<Integer> chunk = new ArrayList<>(order.subList(start, Math.min(order.size(), start + window)));
      chunk.sort(Comparator.comparingInt(i -> lengths[i])); // stable: ties keep shuffled order
      for (int b = 0; b < chunk.size(); b += batchSize) {
        batches.add(chunk.subList(b, Math.min(chunk.size(), b + batchSize)).stream().mapToInt(i -> i).toArray());
      }
    }
    Collections.shuffle(batches, random);
    return batches;
  }

  /** Total padded positions of these batches, for measuring how much bucketing saves. */
  public static long paddedTokens(List<int[]> batches, int[] lengths) {
    long total = 0;
    for (int[] batch : batches) {
      total += (long) batch.length * Arrays.stream(batch).map(i -> lengths[i]).max().orElse(0);
    }
    return total;
  }
}
