package dev.jtune.data;

/**
 * Where labeled rows come from: a CSV/TSV/JSONL file or a raw corpus folder. A source hands every
 * row it reads to the sink, either as a row or as a drop with its reason, so that nothing is lost
 * silently; malformed input raises {@link BadInputException}.
 */
public interface TextSource {
  /** A short name for the report, e.g. {@code csv} or {@code sotu}. */
  String kind();

  /** The input file or folder, as given. */
  String input();

  void read(Sink sink);

  /** Receives the rows of a source. */
  interface Sink {
    void row(RawRow row);

    void dropped(DropReason reason);
  }
}
