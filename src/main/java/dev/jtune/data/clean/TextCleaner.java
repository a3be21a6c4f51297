package dev.jtune.data.clean;

import java.util.ArrayList;
import java.util.List;

/**
 * The cleaning rules of a {@link CleaningConfig} composed in a fixed order: control characters,
 * NFKC, lowercase, placeholders (e-mail before URL before number, so that an address is not taken
 * for a URL), whitespace. The length cap is separate ({@link #cap()}) so that cuts can be counted.
 */
public final class TextCleaner {
  private final TextRule rules;
  private final LengthCap cap;

  public TextCleaner(CleaningConfig config) {
    List<TextRule> steps = new ArrayList<>();
    steps.add(new ControlCharacters());
    steps.add(new UnicodeNfkc());
    if (config.lowercase()) steps.add(new Lowercase());
    for (Placeholder p : Placeholder.values()) {
      if (config.placeholders().contains(p)) steps.add(p);
    }
    steps.add(new Whitespace());
    this.rules = steps.stream().reduce(TextRule::then).orElseThrow();
    this.cap = config.maxChars() > 0 ? new LengthCap(config.maxChars()) : null;
  }

  /** Normalises a text (without the length cap). */
  public String normalise(String text) {
    return rules.apply(text);
  }

  /** The length cap, or {@code null} when texts are not capped. */
  public LengthCap cap() {
    return cap;
  }

  /** Counts words the way {@code minWords} does: whitespace-separated tokens with a letter or digit. */
  public static int wordCount(String text) {
    int words = 0;
    boolean inWord = false;
    boolean hasAlnum = false;
    for (int i = 0; i <= text.length(); i++) {
      char c = i < text.length() ? text.charAt(i) : ' ';
      if (Character.isWhitespace(c)) {
        if (inWord && hasAlnum) words++;
        inWord = false;
        hasAlnum = false;
      } else {
        inWord = true;
        hasAlnum |= Character.isLetterOrDigit(c);
      }
    }
    return words;
  }
}
