package dev.jtune.data;

import java.util.List;

/**
 * A batch of tokenized texts as the three int32 encoder inputs, row-major {@code [size, seqLen]},
 * padded with 0 to the longest sequence of the batch: word ids, attention mask (1 = real token) and
 * token type ids (all 0: single-segment classification).
 */
public record TokenBatch(int size, int seqLen, int[] inputWordIds, int[] inputMask, int[] inputTypeIds) {
  public TokenBatch {
    if (size < 0 || seqLen < 0) throw new IllegalArgumentException("size and seqLen must be >= 0");
    int n = size * seqLen;
    if (inputWordIds.length != n || inputMask.length != n || inputTypeIds.length != n) {
      throw new IllegalArgumentException("arrays must have size*seqLen = " + n + " elements");
    }
  }

  /** Pads already-encoded id sequences (each with [CLS]/[SEP]) into one batch. */
  public static TokenBatch of(List<int[]> encodedIds) {
    int size = encodedIds.size();
    int seqLen = 0;
    for (int[] ids : encodedIds) seqLen = Math.max(seqLen, ids.length);
    int[] words = new int[size * seqLen];
    int[] mask = new int[size * seqLen];
    for (int i = 0; i < size; i++) {
      int[] ids = encodedIds.get(i);
      System.arraycopy(ids, 0, words, i * seqLen, ids.length);
      java.util.Arrays.fill(mask, i * seqLen, i * seqLen + ids.length, 1);
    }
    return new TokenBatch(size, seqLen, words, mask, new int[size * seqLen]);
  }

  /** Number of real (unpadded) tokens in row {@code i}. */
  public int length(int i) {
    int n = 0;
    for (int j = 0; j < seqLen; j++) n += inputMask[i * seqLen + j];
    return n;
  }
}
