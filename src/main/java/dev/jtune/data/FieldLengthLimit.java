package dev.jtune.data;

import java.util.Locale;

/**
 * The one limit on the length of a field in every tabular input jtune reads (CSV, TSV, JSON Lines,
 * and the CSV of {@code jtune score}): {@value #MAX_CHARS} characters. The encoder reads at most a few
 * hundred tokens of a text and {@code prepare} caps texts at {@code --max-chars}, so a longer field is
 * almost always a broken file (e.g. a stray quote that swallowed thousands of rows). It is reported
 * with its line: {@code prepare} and {@code evaluate} stop there, {@code score} rejects the row.
 */
public final class FieldLengthLimit {
  /** The longest field, in characters (Unicode code points). */
  public static final int MAX_CHARS = 1_000_000;

  /** How to fix a field over the limit. */
  public static final String FIX = "shorten it (the model reads only the first few hundred tokens of a text);"
      + " in a CSV, look for a quote that is never closed";

  private FieldLengthLimit() {}

  /** True when {@code value} is longer than {@link #MAX_CHARS} characters. */
  public static boolean exceeds(String value) {
    // the UTF-16 length bounds the code-point count from above, so the exact count is only needed past it
    return value.length() > MAX_CHARS && value.codePointCount(0, value.length()) > MAX_CHARS;
  }

  /** What is wrong, e.g. {@code column 'text' has 2,000,000 characters, more than the limit of 1,000,000}. */
  public static String problem(String what, String value) {
    return String.format(Locale.ROOT, "%s has %,d characters, more than the limit of %,d", what,
        value.codePointCount(0, value.length()), MAX_CHARS);
  }
}
