package dev.jtune.train;

import java.util.List;

/**
 * One split after tokenization: token ids per example (with [CLS]/[SEP], unpadded) and class ids.
 */
public record EncodedSplit(List<int[]> tokenIds, int[] labels) {
  public EncodedSplit {
    if (tokenIds.size() != labels.length) {
      throw new IllegalArgumentException(tokenIds.size() + " token sequences but " + labels.length + " labels");
    }
    tokenIds = List.copyOf(tokenIds);
  }

  public int size() {
    return labels.length;
  }

  public int[] lengths() {
    return tokenIds.stream().mapToInt(t -> t.length).toArray();
  }
}
