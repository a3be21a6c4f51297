package dev.jtune.artifact;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.jtune.JtuneException;
import java.util.Arrays;
import java.util.List;

/**
 * Which tokens of a text longer than {@code max_seq_len} a classifier keeps, as named in configs
 * and {@code classifier.json}; training, evaluation, export parity, scoring and serving all
 * tokenize by the classifier's own value.
 */
public enum Truncation {
  /** The first tokens ([CLS] + the first max_seq_len - 2 + [SEP]). */
  HEAD("head");

  private final String jsonName;

  Truncation(String jsonName) {
    this.jsonName = jsonName;
  }

  @JsonValue
  public String jsonName() {
    return jsonName;
  }

  public static List<String> names() {
    return Arrays.stream(values()).map(Truncation::jsonName).toList();
  }

  @JsonCreator
  public static Truncation parse(String name) {
    for (Truncation t : values()) if (t.jsonName.equals(name)) return t;
    throw new JtuneException("truncation must be one of " + names() + ", got '" + name + "'");
  }

  @Override
  public String toString() {
    return jsonName;
  }
}
