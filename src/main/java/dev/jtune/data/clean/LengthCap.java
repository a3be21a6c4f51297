package dev.jtune.data.clean;

/**
 * Caps a text at a number of characters, cutting at the last space in the final fifth when there is
 * one (so no word is cut in half) and never inside a surrogate pair.
 */
public final class LengthCap implements TextRule {
  private final int maxChars;

  public LengthCap(int maxChars) {
    if (maxChars < 1) throw new IllegalArgumentException("maxChars must be >= 1, got " + maxChars);
    this.maxChars = maxChars;
  }

  public int maxChars() {
    return maxChars;
  }

  /** Whether {@link #apply} would shorten this text. */
  public boolean cuts(String text) {
    return text.length() > maxChars;
  }

  @Override
  public String apply(String text) {
    if (!cuts(text)) return text;
    int end = maxChars;
    if (Character.isLowSurrogate(text.charAt(end)) && Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    int space = text.lastIndexOf(' ', end);
    if (space >= end - maxChars / 5 && space > 0) end = space;
    return text.substring(0, end).strip();
  }
}
