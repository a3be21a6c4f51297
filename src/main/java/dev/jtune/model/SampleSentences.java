package dev.jtune.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Forty real English sentences of mixed lengths (two words to well over a hundred tokens), shipped
 * with jtune for encoder checks and benchmarks when no prepared dataset is at hand.
 */
public final class SampleSentences {
  private static final String RESOURCE = "sentences.txt";

  private SampleSentences() {}

  public static List<String> all() {
    try (InputStream in = SampleSentences.class.getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IllegalStateException("resource " + RESOURCE + " missing from the jar");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
