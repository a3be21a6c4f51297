package dev.jtune.data.clean;

import java.util.regex.Pattern;

/**
 * Replaces URLs, e-mail addresses or numbers by a fixed token ({@code [URL]}, {@code [EMAIL]},
 * {@code [NUMBER]}): the exact value is noise for classification and often personal data.
 */
public enum Placeholder implements TextRule {
  EMAIL("[EMAIL]", "(?<![\\w.+-])[\\w.+-]+@[\\w-]+(?:\\.[\\w-]+)+"),
  URL(
      "[URL]",
      "(?i)\\b(?:(?:https?|ftp)://|www\\.)[^\\s<>\"'()\\[\\]]+[^\\s<>\"'()\\[\\].,;:!?]"),
  // Digits with optional thousands separators and decimals: 3,000,000 | 3.5 | 1961.
  NUMBER("[NUMBER]", "(?<![\\w.])\\d+(?:[.,]\\d+)*(?!\\w)");

  private final String token;
  private final Pattern pattern;

  Placeholder(String token, String regex) {
    this.token = token;
    this.pattern = Pattern.compile(regex);
  }

  public String token() {
    return token;
  }

  @Override
  public String apply(String text) {
    return pattern.matcher(text).replaceAll(token.replace("[", "\\[").replace("]", "\\]"));
  }
}
