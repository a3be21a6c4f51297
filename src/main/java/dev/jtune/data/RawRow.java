package dev.jtune.data;

/**
 * A row as read from a source, before cleaning: raw text, the label as a string, an optional group
 * ({@code null} = the row is its own group) and where it came from ({@code file:line}) for messages.
 */
public record RawRow(String text, String label, String group, String origin) {
  public RawRow {
    if (text == null || label == null || origin == null) {
      throw new IllegalArgumentException("text, label and origin are required");
    }
  }
}
