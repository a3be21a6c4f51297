package dev.jtune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jtune.JtuneException;
import dev.jtune.data.clean.CleaningConfig;
import dev.jtune.data.clean.Placeholder;
import dev.jtune.data.source.DelimitedSource;
import dev.jtune.io.ArtifactKind;
import dev.jtune.io.OutputFolder;
import dev.jtune.io.ProtectedPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetPreparerTest {
  @TempDir Path dir;

  private static final String[] WORDS =
      ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
          + "quebec romeo sierra tango uniform victor whiskey xray yankee zulu").split(" ");

  /**
   * A messy generated CSV: 3 labels, threads of several rows, exact and case-only duplicates
   * (some with another label), empty and whitespace-only texts, short texts and very long texts.
   */
  private Path messyCsv() throws Exception {
    Random r = new Random(5);
    String[] labels = {"sports", "politics", "tech"};
    StringBuilder csv = new StringBuilder("text,label,thread\n");
    for (int i = 0; i < 600; i++) {
      String label = labels[i % 7 == 0 ? 2 : i % 3 == 0 ? 1 : 0];
      StringBuilder words = new StringBuilder(label);
      for (int w = 0; w < 6; w++) words.append(' ').append(WORDS[r.nextInt(WORDS.length)]);
      String text = words + " in " + (1900 + r.nextInt(100));
      if (i % 50 == 0) text = "  ";
      if (i % 41 == 0) text = "short";
      if (i % 97 == 0) text = "long ".repeat(400) + text;
      csv.append('"').append(text).append("\",").append(label).append(",t").append(i / 4).append('\n');
      if (i % 13 == 0) csv.append('"').append(text.toUpperCase()).append("\",").append(label).append(",t999").append(i).append('\n');
      if (i % 29 == 0) csv.append('"').append(text).append("\",").append(labels[(i + 1) % 3]).append(",t").append(i / 4).append('\n');
    }
    return Files.writeString(dir.resolve("messy.csv"), csv.toString());
  }

  private PrepareReport prepare(Path csv, Path out, long seed) {
    CleaningConfig cleaning = new CleaningConfig(false, Set.of(Placeholder.NUMBER), 1000, 3);
    TextSource source = DelimitedSource.csv(csv, "text", "label", "thread");
    return new DatasetPreparer(new PrepareConfig(source, cleaning, new SplitConfig(0.8, 0.1, 0.1, seed), out)).prepare();
  }

  @Test
  void accountsForEveryRowRead() throws Exception {
    Path csv = messyCsv();
    PrepareReport report = prepare(csv, dir.resolve("out"), 1);
    long lines = Files.readAllLines(csv).size() - 1;
    assertEquals(lines, report.rowsRead());
    long dropped = report.dropped().values().stream().mapToLong(Long::longValue).sum();
    assertEquals(report.rowsRead(), report.rowsKept() + dropped);
    assertTrue(report.dropped().get("empty_text") > 0);
    assertTrue(report.dropped().get("too_few_words") > 0);
    assertTrue(report.dropped().get("duplicate_text") > 0);
    assertTrue(report.dropped().get("duplicate_conflicting_label") > 0);
    assertTrue(report.rowsTruncated() > 0);
    long written = report.splits().values().stream().mapToLong(PrepareReport.SplitStats::rows).sum();
    assertEquals(report.rowsKept(), written);
    PreparedDataset ds = PreparedDataset.load(dir.resolve("out"));
    assertEquals(report.rowsKept(), ds.split("train").size() + ds.split("val").size() + ds.split("test").size());
  }

  @Test
  void rejectsReportsThatDoNotAddUp() {
    assertThrows(IllegalStateException.class,
        () -> new PrepareReport("csv", "x", null, 10, 5, Map.of("empty_text", 4L), 0, List.of(), Map.of()));
  }

  @Test
  void writesSortedLabelsCleanedTextsAndNoDuplicateAcrossSplits() throws Exception {
    prepare(messyCsv(), dir.resolve("out"), 1);
    PreparedDataset ds = PreparedDataset.load(dir.resolve("out"));
    assertEquals(List.of("politics", "sports", "tech"), ds.labels());
    assertEquals("politics\nsports\ntech\n", Files.readString(dir.resolve("out/labels.txt")));
    Set<String> seen = new HashSet<>();
    Map<String, String> splitOfGroup = new HashMap<>();
    for (String split : List.of("train", "val", "test")) {
      for (LabeledText row : ds.split(split)) {
        assertTrue(seen.add(row.text().toLowerCase()), "duplicate text " + row.text());
        assertFalse(row.text().matches(".*\\d.*"), "numbers are replaced: " + row.text());
        assertTrue(row.text().length() <= 1000);
        String before = splitOfGroup.putIfAbsent(row.group(), split);
        assertTrue(before == null || before.equals(split), "group " + row.group() + " in " + before + " and " + split);
      }
    }
    assertTrue(ds.split("val").stream().map(LabeledText::label).distinct().count() == 3, "val has every label");
  }

  @Test
  void sameInputAndSeedGiveByteIdenticalFiles() throws Exception {
    Path csv = messyCsv();
    prepare(csv, dir.resolve("a"), 9);
    prepare(csv, dir.resolve("b"), 9);
    prepare(csv, dir.resolve("c"), 10);
    for (String f : List.of("train.csv", "val.csv", "test.csv", "labels.txt", "prepare-report.json")) {
      assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)), Files.readAllBytes(dir.resolve("b").resolve(f)), f);
    }
    assertFalse(Files.readString(dir.resolve("a/val.csv")).equals(Files.readString(dir.resolve("c/val.csv"))));
  }

  @Test
  void writesTheReportWithCountsSettingsAndClassBalance() throws Exception {
    PrepareReport report = prepare(messyCsv(), dir.resolve("out"), 1);
    JsonNode json = new ObjectMapper().readTree(dir.resolve("out/prepare-report.json").toFile());
    assertEquals(report.rowsRead(), json.get("rows_read").asLong());
    assertEquals(report.rowsKept(), json.get("rows_kept").asLong());
    assertEquals(report.dropped().get("duplicate_text"), json.get("dropped").get("duplicate_text").asLong());
    assertEquals(List.of("number"), List.of(json.get("settings").get("placeholders").get(0).asText()));
    assertEquals(0.1, json.get("settings").get("split").get("val").asDouble());
    JsonNode train = json.get("splits").get("train");
    long balance = train.get("class_balance").get("politics").asLong() + train.get("class_balance").get("sports").asLong()
        + train.get("class_balance").get("tech").asLong();
    assertEquals(train.get("rows").asLong(), balance);
    assertTrue(report.table().contains("dropped: duplicate_text"));
  }

  @Test
  void failsOnASingleClassWithoutWritingAnything() throws Exception {
    Path csv = Files.writeString(dir.resolve("one.csv"), "text,label,thread\nalpha beta gamma,x,1\ndelta epsilon zeta,x,2\n");
    JtuneException e = assertThrows(JtuneException.class, () -> prepare(csv, dir.resolve("out"), 1));
    assertEquals(csv + ": only one label ('x') in 2 rows; a classifier needs at least two classes; "
        + "check --label-col or add rows of other classes", e.getMessage());
    assertFalse(Files.exists(dir.resolve("out")));
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(List.of(csv), left.toList(), "no temporary folder left behind");
    }
  }

  @Test
  void replacesItsOwnDatasetButNeverWhatItDidNotWrite() throws Exception {
    Path csv = messyCsv();
    Path out = dir.resolve("out");
    prepare(csv, out, 1);
    prepare(csv, out, 2); // its own, unchanged output: replaced
    String seed2 = Files.readString(out.resolve("train.csv"));
    Files.writeString(out.resolve("stale.txt"), "old");
    JtuneException refused = assertThrows(JtuneException.class, () -> prepare(csv, out, 3));
    assertTrue(refused.getMessage().contains("stale.txt was not written by jtune"), refused.getMessage());
    assertEquals(seed2, Files.readString(out.resolve("train.csv")));

    // --force: the dataset is replaced, the user's file stays
    PrepareConfig config = new PrepareConfig(DelimitedSource.csv(csv, "text", "label", "thread"), CleaningConfig.defaults(),
        new SplitConfig(0.8, 0.1, 0.1, 3), out);
    new DatasetPreparer(config).prepare(OutputFolder.claim(out, ArtifactKind.DATASET, ProtectedPaths.of(csv), true, "--out"));
    assertEquals("old", Files.readString(out.resolve("stale.txt")));

    Path precious = Files.createDirectories(dir.resolve("precious"));
    Files.writeString(precious.resolve("thesis.tex"), "keep me", StandardCharsets.UTF_8);
    assertThrows(JtuneException.class, () -> prepare(csv, precious, 1));
    assertEquals("keep me", Files.readString(precious.resolve("thesis.tex")));
  }

  @Test
  void omitsTheGroupColumnWhenNoGroupsAreKnown() throws Exception {
    List<String> lines = new ArrayList<>(List.of("text,label"));
    for (int i = 0; i < 20; i++) lines.add("text number " + i + "," + (i % 2 == 0 ? "a" : "b"));
    Path csv = Files.write(dir.resolve("plain.csv"), lines);
    new DatasetPreparer(new PrepareConfig(DelimitedSource.csv(csv, "text", "label", null), CleaningConfig.defaults(),
        SplitConfig.defaults(), dir.resolve("out"))).prepare();
    assertEquals("text,label", Files.readAllLines(dir.resolve("out/train.csv")).get(0));
    assertEquals(null, PreparedDataset.load(dir.resolve("out")).split("train").get(0).group());
  }
}
