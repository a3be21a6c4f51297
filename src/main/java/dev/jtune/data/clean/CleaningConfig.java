package dev.jtune.data.clean;

import java.util.EnumSet;
import java.util.Set;

/**
 * What cleaning to apply to every text. Control-character removal, NFKC and whitespace
 * normalisation always run; the rest is optional.
 *
 * @param lowercase lowercase all text
 * @param placeholders which values to replace by a placeholder token
 * @param maxChars cap texts at this many characters (0 = no cap)
 * @param minWords drop texts with fewer words than this (0 = keep all non-empty texts)
 */
public record CleaningConfig(boolean lowercase, Set<Placeholder> placeholders, int maxChars, int minWords) {
  public static final int DEFAULT_MAX_CHARS = 5000;

  public CleaningConfig {
    if (maxChars < 0) throw new IllegalArgumentException("maxChars must be >= 0 (0 = no cap), got " + maxChars);
    if (minWords < 0) throw new IllegalArgumentException("minWords must be >= 0, got " + minWords);
    placeholders = placeholders.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(placeholders));
  }

  /** No optional cleaning, default length cap, no minimum word count. */
  public static CleaningConfig defaults() {
    return new CleaningConfig(false, Set.of(), DEFAULT_MAX_CHARS, 0);
  }
}
