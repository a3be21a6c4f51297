package dev.jtune.artifact;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.jtune.JtuneException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How a classifier turns an encoder layer's token vectors into one vector, as named in configs
 * and {@code classifier.json}. The graph of each kind is built by {@code model.ClassifierHead}; a
 * new kind is a constant here plus its case there (the switch over this enum is exhaustive, so a
 * missing case does not compile).
 */
public enum Pooling {
  /** The first token's vector ([CLS]). */
  CLS("cls", "first token ([CLS])"),
  /** The mask-weighted mean of the real tokens' vectors. */
  MEAN("mean", "mask-weighted mean of the real tokens");

  private final String jsonName;
  private final String help;

  Pooling(String jsonName, String help) {
    this.jsonName = jsonName;
    this.help = help;
  }

  @JsonValue
  public String jsonName() {
    return jsonName;
  }

  public String help() {
    return help;
  }

  /** Every name, in declaration order, for help texts and errors. */
  public static List<String> names() {
    return Arrays.stream(values()).map(Pooling::jsonName).toList();
  }

  /** The pooling called {@code name} (case-insensitive); an unknown name is a one-line error listing the known ones. */
  @JsonCreator
  public static Pooling parse(String name) {
    for (Pooling p : values()) if (p.jsonName.equals(name == null ? null : name.strip().toLowerCase(Locale.ROOT))) return p;
    throw new JtuneException("pooling must be one of " + names() + ", got '" + name + "'");
  }

  @Override
  public String toString() {
    return jsonName;
  }
}
