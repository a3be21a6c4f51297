package dev.jtune.artifact;

import dev.jtune.JtuneException;
import java.util.Arrays;
import java.util.List;

/**
 * A constant of an enum that configs and jtune's files name by a lower-case word ({@link Pooling},
 * {@link Truncation}, the schedule kinds): the word, a help text, and the lookup by word that the
 * enums share, so every choice is listed and refused the same way.
 */
public interface NamedChoice {
  /** The word configs and files use. */
  String jsonName();

  /** One line for help texts and the docs. */
  String help();

  /** Every word of {@code type}, in declaration order, for help texts and errors. */
  static <E extends Enum<E> & NamedChoice> List<String> names(Class<E> type) {
    return Arrays.stream(type.getEnumConstants()).map(NamedChoice::jsonName).toList();
  }

  /** The constant of {@code type} called {@code name}; an unknown name is one line naming {@code field} and the known words. */
  static <E extends Enum<E> & NamedChoice> E parse(Class<E> type, String field, String name) {
    for (E e : type.getEnumConstants()) if (e.jsonName().equals(name)) return e;
    throw new JtuneException(field + " must be one of " + names(type) + ", got '" + name + "'");
  }
}
