package dev.jtune.data;

import dev.jtune.artifact.JtuneJson;
import dev.jtune.data.clean.CleaningConfig;
import dev.jtune.data.clean.LengthCap;
import dev.jtune.data.clean.TextCleaner;
import dev.jtune.io.ArtifactKind;
import dev.jtune.io.OutputFolder;
import dev.jtune.io.ProtectedPaths;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Turns a {@link TextSource} into a prepared dataset folder: cleans every text, drops empty,
 * too-short and duplicate texts (counting each by reason), builds the sorted label vocabulary,
 * splits by label and group, and writes {@code train/val/test.csv}, {@code labels.txt},
 * {@code prepare-report.json} and the manifest atomically ({@link OutputFolder}). Same input and seed give byte-identical files.
 */
public final class DatasetPreparer {
  public static final String REPORT_FILE = "prepare-report.json";
  public static final String LABELS_FILE = "labels.txt";

  private final PrepareConfig config;

  public DatasetPreparer(PrepareConfig config) {
    this.config = config;
  }

  /**
   * Reads, cleans, splits and writes to {@code config.out()}, which may hold a previous dataset only
   * when it is exactly what jtune wrote there; returns the report that was written.
   */
  public PrepareReport prepare() {
    return prepare(OutputFolder.claim(config.out(), ArtifactKind.DATASET, ProtectedPaths.of(Path.of(config.source().input())),
        false, "--out"));
  }

  /** Reads, cleans, splits and writes to {@code out}, claimed (checked) before; returns the report that was written. */
  public PrepareReport prepare(OutputFolder out) {
    Collected collected = clean(read());
    List<Row> rows = collected.rows;
    List<String> labels = new ArrayList<>(new TreeSet<>(rows.stream().map(Row::label).toList()));
    checkLabels(rows, labels);

    Map<String, Integer> labelIds = new HashMap<>();
    for (int i = 0; i < labels.size(); i++) labelIds.put(labels.get(i), i);
    int[] labelOf = rows.stream().mapToInt(r -> labelIds.get(r.label)).toArray();
    List<String> groups = rows.stream().map(Row::group).toList();
    Split[] assignment = new GroupStratifiedSplitter(config.split()).assign(labelOf, groups, labels.size());

    Map<Split, List<Row>> bySplit = new EnumMap<>(Split.class);
    for (Split s : Split.values()) bySplit.put(s, new ArrayList<>());
    for (int i = 0; i < rows.size(); i++) bySplit.get(assignment[i]).add(rows.get(i));
    for (Split s : Split.values()) {
      // row order within a split carries no meaning; shuffle so that file prefixes are representative
      Collections.shuffle(bySplit.get(s), new Random(config.split().seed() + s.ordinal()));
    }

    PrepareReport report = report(collected, labels, bySplit);
    boolean withGroups = rows.stream().anyMatch(r -> r.group != null);
    out.write(dir -> {
      for (Split s : Split.values()) writeCsv(dir.resolve(s.fileName()), bySplit.get(s), withGroups);
      Files.write(dir.resolve(LABELS_FILE), (String.join("\n", labels) + "\n").getBytes(StandardCharsets.UTF_8));
      Files.write(dir.resolve(REPORT_FILE), JtuneJson.MAPPER.writeValueAsBytes(report));
    });
    return report;
  }

  private record Row(String text, String label, String group) {}

  private static final class Collected {
    final List<Row> rows = new ArrayList<>();
    final Map<DropReason, Long> dropped = new EnumMap<>(DropReason.class);
    long read;
    long truncated;

    void drop(DropReason reason) {
      dropped.merge(reason, 1L, Long::sum);
    }
  }

  private Collected read() {
    Collected collected = new Collected();
    config.source().read(new TextSource.Sink() {
      @Override
      public void row(RawRow row) {
        collected.read++;
        collected.rows.add(new Row(row.text(), row.label(), row.group()));
      }

      @Override
      public void dropped(DropReason reason) {
        collected.read++;
        collected.drop(reason);
      }
    });
    return collected;
  }

  private Collected clean(Collected in) {
    CleaningConfig cleaning = config.cleaning();
    TextCleaner cleaner = new TextCleaner(cleaning);
    LengthCap cap = cleaner.cap();
    Map<String, String> seen = new HashMap<>();
    List<Row> kept = new ArrayList<>();
    // Normalising is the costly part and independent per row: run it on all cores, in order.
    List<String> normalised = in.rows.parallelStream().map(r -> cleaner.normalise(r.text)).toList();
    for (int i = 0; i < in.rows.size(); i++) {
      Row row = in.rows.get(i);
      String text = normalised.get(i);
      if (text.isEmpty()) {
        in.drop(DropReason.EMPTY_TEXT);
        continue;
      }
      if (cleaning.minWords() > 0 && TextCleaner.wordCount(text) < cleaning.minWords()) {
        in.drop(DropReason.TOO_FEW_WORDS);
        continue;
      }
      if (cap != null && cap.cuts(text)) {
        text = cap.apply(text);
        in.truncated++;
      }
      // Duplicates are judged case-insensitively: "Buy now" and "BUY NOW" teach the same thing.
      String previousLabel = seen.putIfAbsent(text.toLowerCase(Locale.ROOT), row.label);
      if (previousLabel != null) {
        in.drop(previousLabel.equals(row.label) ? DropReason.DUPLICATE_TEXT : DropReason.DUPLICATE_CONFLICTING_LABEL);
        continue;
      }
      kept.add(new Row(text, row.label, row.group));
    }
    in.rows.clear();
    in.rows.addAll(kept);
    return in;
  }

  private void checkLabels(List<Row> rows, List<String> labels) {
    Path input = Path.of(config.source().input());
    if (rows.isEmpty()) {
      throw new BadInputException(input, "no rows left after cleaning", "check the text column and the cleaning options");
    }
    if (labels.size() < 2) {
      throw new BadInputException(
          input,
          "only one label ('" + labels.get(0) + "') in " + rows.size() + " rows",
          "a classifier needs at least two classes; check --label-col or add rows of other classes");
    }
  }

  private PrepareReport report(Collected c, List<String> labels, Map<Split, List<Row>> bySplit) {
    CleaningConfig cleaning = config.cleaning();
    Map<String, Double> ratios = new LinkedHashMap<>();
    for (Split s : Split.values()) ratios.put(s.id(), config.split().ratio(s));
    PrepareReport.Settings settings =
        new PrepareReport.Settings(
            cleaning.lowercase(),
            cleaning.placeholders().stream().sorted().map(p -> p.name().toLowerCase(Locale.ROOT)).toList(),
            cleaning.maxChars(),
            cleaning.minWords(),
            ratios,
            config.split().seed());
    Map<String, Long> dropped = new LinkedHashMap<>();
    c.dropped.forEach((reason, n) -> dropped.put(reason.key(), n));
    Map<String, PrepareReport.SplitStats> splits = new LinkedHashMap<>();
    for (Split s : Split.values()) {
      List<Row> rows = bySplit.get(s);
      Map<String, Long> balance = new LinkedHashMap<>();
      for (String label : labels) balance.put(label, 0L);
      Set<String> groups = new HashSet<>();
      long ungrouped = 0;
      for (Row r : rows) {
        balance.merge(r.label, 1L, Long::sum);
        if (r.group == null) ungrouped++;
        else groups.add(r.group);
      }
      splits.put(s.id(), new PrepareReport.SplitStats(rows.size(), groups.size() + ungrouped, balance));
    }
    return new PrepareReport(
        config.source().kind(), config.source().input(), settings, c.read, c.rows.size(),
        dropped, c.truncated, labels, splits);
  }

  private static void writeCsv(Path file, List<Row> rows, boolean withGroups) throws IOException {
    String[] header = withGroups ? new String[] {"text", "label", "group"} : new String[] {"text", "label"};
    CSVFormat format = CSVFormat.DEFAULT.builder().setHeader(header).setRecordSeparator('\n').get();
    try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        CSVPrinter csv = new CSVPrinter(writer, format)) {
      for (Row r : rows) {
        if (withGroups) csv.printRecord(r.text, r.label, r.group == null ? "" : r.group);
        else csv.printRecord(r.text, r.label);
      }
    }
  }
}
