package dev.jtune.data.clean;

import java.text.Normalizer;

/**
 * Normalises Unicode to NFKC, so that compatibility forms (full-width letters, ligatures,
 * non-breaking spaces, superscripts) become their plain equivalents.
 */
public final class UnicodeNfkc implements TextRule {
  @Override
  public String apply(String text) {
    return Normalizer.isNormalized(text, Normalizer.Form.NFKC)
        ? text
        : Normalizer.normalize(text, Normalizer.Form.NFKC);
  }
}
