package dev.jtune.io;

/**
 * What a folder or file jtune wrote is, as recorded in its manifest. A command replaces only an
 * output of its own kind: {@code jtune prepare} never replaces an encoder folder, even with
 * {@code --force}.
 */
public enum ArtifactKind {
  DATASET("dataset", "a prepared dataset"),
  ENCODER("encoder", "an encoder SavedModel"),
  RUN("run", "a training run"),
  EXPORT_VERSION("export-version", "an exported model version"),
  PREDICTIONS("predictions", "a predictions file"),
  REJECTS("rejects", "a rejected-rows file"),
  BENCH_REPORT("bench-report", "a benchmark report"),
  BASELINE("baseline", "a baseline report");

  private final String id;
  private final String description;

  ArtifactKind(String id, String description) {
    this.id = id;
    this.description = description;
  }

  /** The name written in manifests. */
  public String id() {
    return id;
  }

  /** For messages: "a prepared dataset". */
  public String description() {
    return description;
  }

  /** The kind named {@code id}, or null for a name this version does not know. */
  public static ArtifactKind byId(String id) {
    for (ArtifactKind k : values()) {
      if (k.id.equals(id)) return k;
    }
    return null;
  }
}
