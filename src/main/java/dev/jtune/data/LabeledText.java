package dev.jtune.data;

/**
 * One example of a prepared dataset: cleaned text, its class id (line index in {@code labels.txt})
 * and the group it belongs to (a speech, a mail thread), or {@code null} when no group is known.
 */
public record LabeledText(String text, int label, String group) {
  public LabeledText {
    if (text == null) throw new IllegalArgumentException("text must not be null");
    if (label < 0) throw new IllegalArgumentException("label must be >= 0, got " + label);
  }
}
