package dev.jtune.data.clean;

import java.util.regex.Pattern;

/**
 * Replaces control and invisible format characters (C0/C1 controls, zero-width spaces, byte-order
 * marks, soft hyphens) by a space or nothing; tabs and line breaks become spaces later anyway.
 */
public final class ControlCharacters implements TextRule {
  // Controls other than \t \n \r separate words; format characters sit inside words.
  private static final Pattern CONTROLS = Pattern.compile("[\\p{Cc}&&[^\\t\\n\\r]]");
  private static final Pattern INVISIBLE = Pattern.compile("[\\u00AD\\u200B-\\u200D\\u2060\\uFEFF]");

  @Override
  public String apply(String text) {
    return INVISIBLE.matcher(CONTROLS.matcher(text).replaceAll(" ")).replaceAll("");
  }
}
