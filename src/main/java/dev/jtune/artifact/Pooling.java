package dev.jtune.artifact;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;

/**
 * How a classifier turns an encoder layer's token vectors into one vector, as named in configs
 * and {@code classifier.json}. The graph of each kind is built by {@code model.ClassifierHead}; a
 * new kind is a constant here plus its case there (the switch over this enum is exhaustive, so a
 * missing case does not compile).
 */
public enum Pooling implements NamedChoice {
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
  @Override
  public String jsonName() {
    return jsonName;
  }

  @Override
  public String help() {
    return help;
  }

  /** Every name, in declaration order, for help texts and errors. */
  public static List<String> names() {
    return NamedChoice.names(Pooling.class);
  }

  /** The pooling called {@code name} (case-insensitive); an unknown name is a one-line error listing the known ones. */
  @JsonCreator
  public static Pooling parse(String name) {
    return NamedChoice.parse(Pooling.class, "pooling", name == null ? null : name.strip().toLowerCase(Locale.ROOT));
  }

  @Override
  public String toString() {
    return jsonName;
  }
}
