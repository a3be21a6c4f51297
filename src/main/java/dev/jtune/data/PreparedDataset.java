package dev.jtune.data;

import dev.jtune.JtuneException;
import dev.jtune.data.source.DelimitedSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A dataset folder written by {@code jtune prepare} ({@code train/val/test.csv}, {@code labels.txt}),
 * loaded into memory: the label vocabulary and the labeled texts of each split.
 */
public final class PreparedDataset {
  private final Path dir;
  private final List<String> labels;
  private final Map<Split, List<LabeledText>> splits;

  private PreparedDataset(Path dir, List<String> labels, Map<Split, List<LabeledText>> splits) {
    this.dir = dir;
    this.labels = labels;
    this.splits = splits;
  }

  /** Loads a prepared dataset folder; unknown labels or missing files are user errors. */
  public static PreparedDataset load(Path dir) {
    List<String> labels = readLabels(dir.resolve(DatasetPreparer.LABELS_FILE));
    Map<Split, List<LabeledText>> splits = new EnumMap<>(Split.class);
    for (Split s : Split.values()) {
      splits.put(s, readLabeledCsv(dir.resolve(s.fileName()), labels, "text", "label"));
    }
    return new PreparedDataset(dir, labels, splits);
  }

  public Path dir() {
    return dir;
  }

  /**
   * SHA-256 over the dataset folder's {@code labels.txt} and its train, val and test files, in that
   * order: what a run's provenance records and what keys results computed from the data.
   */
  public static String sha256(Path dir) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      List<String> files = new ArrayList<>(List.of(DatasetPreparer.LABELS_FILE));
      for (Split s : Split.values()) files.add(s.fileName());
      for (String f : files) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(dir.resolve(f)), md)) {
          in.transferTo(OutputStream.nullOutputStream());
        }
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Label names; the index of a label is its class id. */
  public List<String> labels() {
    return labels;
  }

  /** The rows of {@code train}, {@code val} or {@code test}. */
  public List<LabeledText> split(String name) {
    return splits.get(Split.of(name));
  }

  /**
   * Reads any labeled CSV (e.g. a hand-made test set) against a known label vocabulary. A column
   * named {@code group}, if present, is read as the group.
   */
  public static List<LabeledText> readLabeledCsv(Path csv, List<String> labels, String textCol, String labelCol) {
    Map<String, Integer> ids = new HashMap<>();
    for (int i = 0; i < labels.size(); i++) ids.put(labels.get(i), i);
    List<LabeledText> rows = new ArrayList<>();
    new DelimitedSource(csv, ',', textCol, labelCol, "group", false)
        .allowingNoRows()
        .read(new TextSource.Sink() {
          @Override
          public void row(RawRow row) {
            Integer id = ids.get(row.label());
            if (id == null) {
              throw new JtuneException(row.origin() + ": label '" + row.label() + "' is not one of "
                  + labels + "; use one of these labels (the model's labels.txt)");
            }
            rows.add(new LabeledText(row.text(), id, row.group()));
          }

          @Override
          public void dropped(DropReason reason) {
            throw new IllegalStateException("a CSV source drops nothing");
          }
        });
    return List.copyOf(rows);
  }

  private static List<String> readLabels(Path file) {
    try {
      List<String> labels =
          Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
      if (labels.size() < 2) {
        throw new BadInputException(file, "needs at least two labels, found " + labels.size(), "re-run jtune prepare");
      }
      return labels;
    } catch (NoSuchFileException e) {
      throw new BadInputException(file, "file not found", "pass a folder written by jtune prepare");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
