package dev.jtune.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Token ids of a few texts padded with 0 to the batch's own longest text, as the three row-major
 * [size, seqLen] encoder inputs (token types all 0). Used by the encoder benchmark and checks.
 */
record PaddedBatch(int size, int seqLen, int[] wordIds, int[] mask, int[] typeIds) {

  static PaddedBatch of(List<int[]> encoded) {
    int size = encoded.size(), seqLen = 0;
    for (int[] ids : encoded) seqLen = Math.max(seqLen, ids.length);
    int[] words = new int[size * seqLen], mask = new int[size * seqLen];
    for (int i = 0; i < size; i++) {
      int[] ids = encoded.get(i);
      System.arraycopy(ids, 0, words, i * seqLen, ids.length);
      Arrays.fill(mask, i * seqLen, i * seqLen + ids.length, 1);
    }
    return new PaddedBatch(size, seqLen, words, mask, new int[size * seqLen]);
  }

  /** Batches of {@code batchSize} texts after sorting by length, so that each pads little. */
  static List<PaddedBatch> sortedByLength(List<int[]> encoded, int batchSize) {
    List<int[]> sorted = new ArrayList<>(encoded);
    sorted.sort(Comparator.comparingInt(a -> a.length));
    List<PaddedBatch> out = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i += batchSize) {
      out.add(of(sorted.subList(i, Math.min(sorted.size(), i + batchSize))));
    }
    return out;
  }

  int realTokens() {
    int n = 0;
    for (int m : mask) n += m;
    return n;
  }
}
