package dev.jtune.artifact;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;

/**
 * Which tokens of a text longer than {@code max_seq_len} a classifier keeps, as named in configs
 * and {@code classifier.json}; training, evaluation, export parity, scoring and serving all
 * tokenize by the classifier's own value. Every strategy keeps [CLS] first and [SEP] last; a text
 * that fits is never changed.
 */
public enum Truncation implements NamedChoice {
  /** The first tokens ([CLS] + the first max_seq_len - 2 + [SEP]). */
  HEAD("head", "keep the first max_seq_len - 2 tokens of a longer text"),
  /** The last tokens ([CLS] + the last max_seq_len - 2 + [SEP]). */
  TAIL("tail", "keep the last max_seq_len - 2 tokens"),
  /**
   * The first {@code head_tokens} and the last {@code max_seq_len - 2 - head_tokens} tokens (Sun et
   * al. 2019 kept 128 + 382 of 510 on long documents).
   */
  HEAD_TAIL("head+tail", "keep the first head_tokens and the last max_seq_len - 2 - head_tokens tokens");

  private final String jsonName;
  private final String help;

  Truncation(String jsonName, String help) {
    this.jsonName = jsonName;
    this.help = help;
  }

  @JsonValue
  @Override
  public String jsonName() {
    return jsonName;
  }

  @Override
  public String help() {
    return help;
  }

  public static List<String> names() {
    return NamedChoice.names(Truncation.class);
  }

  @JsonCreator
  public static Truncation parse(String name) {
    return NamedChoice.parse(Truncation.class, "truncation", name);
  }

  /** The smallest {@code max_seq_len} head+tail works with: [CLS], one head token, one tail token, [SEP]. */
  public static final int MIN_HEAD_TAIL_SEQ_LEN = 4;

  /**
   * The head length head+tail uses when none is given: a quarter of the content tokens, rounded
   * (128 of 510, the split Sun et al. found best), at least 1 and leaving at least 1 for the tail.
   */
  public static int autoHeadTokens(int maxSeqLen) {
    int content = maxSeqLen - 2;
    return (int) Math.max(1, Math.min(content - 1, Math.round(content / 4.0)));
  }

  /**
   * Why {@code headTokens} cannot be the head length of head+tail at {@code maxSeqLen}, or null when
   * it can (0 < head_tokens < max_seq_len - 2, so head and tail each keep at least one token).
   */
  public static String headTokensProblem(int maxSeqLen, int headTokens) {
    if (maxSeqLen < MIN_HEAD_TAIL_SEQ_LEN) {
      return "head+tail needs max_seq_len >= " + MIN_HEAD_TAIL_SEQ_LEN + " (got " + maxSeqLen + ")";
    }
    if (headTokens <= 0 || headTokens >= maxSeqLen - 2) {
      return "must be between 1 and " + (maxSeqLen - 3) + " (max_seq_len - 3) for max_seq_len " + maxSeqLen
          + ", so head and tail each keep a token";
    }
    return null;
  }

  @Override
  public String toString() {
    return jsonName;
  }
}
