package dev.jtune.data.clean;

import java.util.Locale;

/** Lowercases with the root locale (so results do not depend on the machine's language settings). */
public final class Lowercase implements TextRule {
  @Override
  public String apply(String text) {
    return text.toLowerCase(Locale.ROOT);
  }
}
