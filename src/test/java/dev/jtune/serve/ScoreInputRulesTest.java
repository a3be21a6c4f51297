package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.cli.Main;
import dev.jtune.data.FieldLengthLimit;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jtune score} reads its CSV by the same rules as prepare: unique column names, the field length limit. */
class ScoreInputRulesTest {
  @TempDir static Path dir;
  static Path model;

  @BeforeAll
  static void model() throws Exception {
    ServingFixtures.textClassifier(dir.resolve("exports"), "spam", 1, 3);
    model = dir.resolve("exports").resolve("spam");
  }

  @Test
  void aHeaderThatNamesAColumnTwiceIsRefusedWithoutOutput() throws Exception {
    // before: --text-col text took one of the two columns without a word
    Path in = Files.writeString(dir.resolve("dup.csv"), "text,label,text\nwin money,spam,see you\n");
    Path out = dir.resolve("dup-out").resolve("pred.csv");
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.run("score", "--model", model.toString(), "--in", in.toString(), "--out", out.toString(), "--no-progress");
    } finally {
      System.setErr(old);
    }
    String message = err.toString(StandardCharsets.UTF_8).strip();
    assertEquals(2, code, message);
    assertEquals("error: " + in + ":1: the header names a column more than once: 'text' (columns 1, 3); give every column its own name",
        message.lines().filter(l -> l.startsWith("error:")).findFirst().orElse(message));
    assertFalse(Files.exists(out.getParent()), "no output");
  }

  @Test
  void aFieldLongerThanTheLimitIsRejectedWithItsLineAndReason() throws Exception {
    // score keeps going past a bad row (into the rejects file, counted by reason), as for every other bad row
    String tooLong = "w".repeat(FieldLengthLimit.MAX_CHARS + 1);
    Path in = Files.writeString(dir.resolve("long.csv"), "id,text\n1,hello\n2,\"" + tooLong + "\"\n3,thanks\n");
    Path out = dir.resolve("long-out.csv");
    ScoreReport report = new BatchScorer(ScoreConfig.of(model, in, out)).run();
    assertEquals(Map.of("field too long", 1L), report.rejected());
    assertEquals(List.of("1", "3"), BatchScorerTest.read(out).stream().map(r -> r.get("id")).toList());
    CSVRecord rejected = BatchScorerTest.read(report.rejects()).get(0);
    assertEquals("3", rejected.get("line"));
    assertEquals("field too long: column 'text' has 1,000,001 characters, more than the limit of 1,000,000", rejected.get("reason"));
  }

  @Test
  void aQuoteOpenLongerThanTheLimitIsGivenUpButALongRecordOfShortFieldsIsRead() throws Exception {
    // two fields of 600,000 characters, the second over several lines: before, the record as a whole
    // passed a 1 MiB cap and was rejected as an unterminated quote
    String half = "x".repeat(600_000);
    String lines = "y".repeat(200_000) + "\n" + "y".repeat(200_000) + "\n" + "y".repeat(199_990);
    Path in = Files.writeString(dir.resolve("wide.csv"),
        "id,text\n" + half + ",\"" + lines + "\"\nshort,\"" + "z".repeat(FieldLengthLimit.MAX_CHARS) + "\n" + "z".repeat(10) + "\nafter,hello\n");
    Path out = dir.resolve("wide-out.csv");
    ScoreReport report = new BatchScorer(ScoreConfig.of(model, in, out)).run();
    List<CSVRecord> scored = BatchScorerTest.read(out);
    assertEquals(half, scored.get(0).get("id"));
    assertEquals(lines, scored.get(0).get("text"));
    // the given-up line is rejected, and reading resumes on the line after it (here a one-field remnant)
    assertEquals(Map.of("unterminated quoted field", 1L, "wrong number of fields", 1L), report.rejected());
    CSVRecord rejected = BatchScorerTest.read(report.rejects()).get(0);
    assertEquals("5", rejected.get("line"));
    assertEquals("unterminated quoted field (still open after 1,000,000 characters, the field length limit)", rejected.get("reason"));
    assertEquals("6", BatchScorerTest.read(report.rejects()).get(1).get("line"));
    assertEquals("after", scored.get(scored.size() - 1).get("id"));
    try (Stream<Path> files = Files.list(dir)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files");
    }
  }
}
