package dev.jtune.data;

import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.Truncation;

/**
 * How a tokenized text is cut to at most {@code maxSeqLen} ids: which strategy, and for head+tail
 * how many leading content tokens it keeps ({@code headTokens}; the tail gets the rest). [CLS] stays
 * first and [SEP] last; a sequence that fits is returned unchanged.
 *
 * @param headTokens the leading content tokens head+tail keeps; 0 for head and tail
 */
public record TokenTruncation(Truncation strategy, int maxSeqLen, int headTokens) {
  public TokenTruncation {
    if (strategy == null) throw new IllegalArgumentException("strategy is missing");
    if (maxSeqLen < 2) throw new IllegalArgumentException("maxSeqLen must be >= 2 ([CLS] and [SEP]), got " + maxSeqLen);
    if (strategy == Truncation.HEAD_TAIL) {
      String problem = Truncation.headTokensProblem(maxSeqLen, headTokens);
      if (problem != null) throw new IllegalArgumentException("head_tokens " + headTokens + ": " + problem);
    } else {
      headTokens = 0;
    }
  }

  /** Keeps the first tokens, as the tokenizer's own truncation does. */
  public static TokenTruncation head(int maxSeqLen) {
    return new TokenTruncation(Truncation.HEAD, maxSeqLen, 0);
  }

  /**
   * {@code strategy} at {@code maxSeqLen}; {@code headTokens} = -1 picks {@link
   * Truncation#autoHeadTokens} for head+tail and is ignored by head and tail.
   */
  public static TokenTruncation of(Truncation strategy, int maxSeqLen, int headTokens) {
    int head = strategy == Truncation.HEAD_TAIL && headTokens == -1 ? Truncation.autoHeadTokens(maxSeqLen) : headTokens;
    return new TokenTruncation(strategy, maxSeqLen, head);
  }

  /** As a classifier's {@code classifier.json} says. */
  public static TokenTruncation of(ClassifierSpec spec) {
    return new TokenTruncation(spec.truncation(), spec.maxSeqLen(), spec.headTokens());
  }

  /** The trailing content tokens kept of a longer text (0 for head). */
  public int tailTokens() {
    return switch (strategy) {
      case HEAD -> 0;
      case TAIL -> maxSeqLen - 2;
      case HEAD_TAIL -> maxSeqLen - 2 - headTokens;
    };
  }

  /**
   * The ids kept of {@code ids} ([CLS], content, [SEP], untruncated): {@code ids} itself when it
   * fits, otherwise [CLS] + the kept content + [SEP], exactly {@code maxSeqLen} long.
   */
  public int[] apply(int[] ids) {
    if (ids.length <= maxSeqLen) return ids;
    int head = strategy == Truncation.HEAD ? maxSeqLen - 2 : headTokens;
    int tail = tailTokens();
    int[] out = new int[maxSeqLen];
    out[0] = ids[0];
    System.arraycopy(ids, 1, out, 1, head);
    System.arraycopy(ids, ids.length - 1 - tail, out, 1 + head, tail);
    out[maxSeqLen - 1] = ids[ids.length - 1];
    return out;
  }
}
