package dev.jtune.data;

import java.util.Locale;

/** The three parts of a prepared dataset; {@link #fileName()} is the CSV written for each. */
public enum Split {
  TRAIN,
  VAL,
  TEST;

  /** {@code train}, {@code val} or {@code test}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public String fileName() {
    return id() + ".csv";
  }

  public static Split of(String id) {
    for (Split s : values()) {
      if (s.id().equals(id)) return s;
    }
    throw new IllegalArgumentException("unknown split '" + id + "' (use train, val or test)");
  }
}
