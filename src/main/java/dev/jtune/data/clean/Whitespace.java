package dev.jtune.data.clean;

import java.util.regex.Pattern;

/** Collapses every run of whitespace (including line breaks) into one space and trims the ends. */
public final class Whitespace implements TextRule {
  private static final Pattern RUNS = Pattern.compile("[\\s\\p{Z}]+");

  @Override
  public String apply(String text) {
    return RUNS.matcher(text).replaceAll(" ").strip();
  }
}
