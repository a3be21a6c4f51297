package dev.jtune.data;

/** Why an input row did not make it into a prepared dataset; each is counted in the report. */
public enum DropReason {
  EMPTY_TEXT("empty_text", "no text left after cleaning"),
  TOO_FEW_WORDS("too_few_words", "fewer words than --min-words"),
  DUPLICATE_TEXT("duplicate_text", "same normalised text as an earlier row with the same label"),
  DUPLICATE_CONFLICTING_LABEL(
      "duplicate_conflicting_label", "same normalised text as an earlier row with another label"),
  OTHER_PARTY("other_party", "speech by a president of neither the Republican nor the Democratic party"),
  UNREADABLE_EMAIL("unreadable_email", "message could not be parsed as MIME");

  private final String key;
  private final String description;

  DropReason(String key, String description) {
    this.key = key;
    this.description = description;
  }

  /** The name used in {@code prepare-report.json}. */
  public String key() {
    return key;
  }

  public String description() {
    return description;
  }
}
