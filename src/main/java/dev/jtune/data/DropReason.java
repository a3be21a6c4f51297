package dev.jtune.data;

/** Why an input row did not make it into a prepared dataset; each is counted in the report. */
public enum DropReason {
  // in pipeline order: reasons found while reading, then while cleaning
  /** A State of the Union sentence by a president of neither the Republican nor the Democratic party. */
  OTHER_PARTY("other_party"),
  /** A message that could not be parsed as MIME at all. */
  UNREADABLE_EMAIL("unreadable_email"),
  /** No text left after cleaning. */
  EMPTY_TEXT("empty_text"),
  /** Fewer words than {@code --min-words}. */
  TOO_FEW_WORDS("too_few_words"),
  /** Same normalised text as an earlier row with the same label. */
  DUPLICATE_TEXT("duplicate_text"),
  /** Same normalised text as an earlier row with another label. */
  DUPLICATE_CONFLICTING_LABEL("duplicate_conflicting_label");

  private final String key;

  DropReason(String key) {
    this.key = key;
  }

  /** The name used in {@code prepare-report.json} and the printed table. */
  public String key() {
    return key;
  }
}
