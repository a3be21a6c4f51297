package dev.jtune.data;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * What {@code jtune prepare} did, written as {@code prepare-report.json}: rows read, kept and
 * dropped by reason ({@code rows_kept + sum(dropped) == rows_read}), the settings used, the label
 * vocabulary and the size and class balance of each split.
 */
@JsonPropertyOrder({"source", "input", "settings", "rows_read", "rows_kept", "dropped", "rows_truncated", "labels", "splits"})
public record PrepareReport(
    String source,
    String input,
    Settings settings,
    long rowsRead,
    long rowsKept,
    Map<String, Long> dropped,
    long rowsTruncated,
    List<String> labels,
    Map<String, SplitStats> splits) {

  public PrepareReport {
    long droppedTotal = dropped.values().stream().mapToLong(Long::longValue).sum();
    if (rowsKept + droppedTotal != rowsRead) {
      throw new IllegalStateException(
          "row accounting broken: kept " + rowsKept + " + dropped " + droppedTotal + " != read " + rowsRead);
    }
  }

  /** The cleaning and split settings the dataset was made with. */
  @JsonPropertyOrder({"lowercase", "placeholders", "max_chars", "min_words", "split", "seed"})
  public record Settings(
      boolean lowercase, List<String> placeholders, int maxChars, int minWords, Map<String, Double> split, long seed) {}

  /** Size of one split: rows, distinct groups (rows without a group count one each) and rows per label. */
  @JsonPropertyOrder({"rows", "groups", "class_balance"})
  public record SplitStats(long rows, long groups, Map<String, Long> classBalance) {}

  /** The report as a plain-text table for the terminal. */
  public String table() {
    StringBuilder out = new StringBuilder();
    out.append(String.format("%-40s %10d%n", "rows read", rowsRead));
    dropped.forEach((reason, count) -> out.append(String.format("  %-38s %10d%n", "dropped: " + reason, count)));
    out.append(String.format("%-40s %10d%n", "rows kept", rowsKept));
    out.append(String.format("%-40s %10d%n", "rows truncated to max_chars", rowsTruncated));
    out.append(String.format("%n%-8s %8s %8s", "split", "rows", "groups"));
    for (String label : labels) out.append(String.format(" %12s", label));
    out.append(System.lineSeparator());
    splits.forEach((name, stats) -> {
      out.append(String.format("%-8s %8d %8d", name, stats.rows(), stats.groups()));
      for (String label : labels) {
        long n = stats.classBalance().getOrDefault(label, 0L);
        out.append(String.format(" %6d %4.1f%%", n, stats.rows() == 0 ? 0.0 : 100.0 * n / stats.rows()));
      }
      out.append(System.lineSeparator());
    });
    return out.toString();
  }
}
