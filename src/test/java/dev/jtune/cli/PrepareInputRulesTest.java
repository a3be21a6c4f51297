package dev.jtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.jtune.data.FieldLengthLimit;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jtune prepare} refuses, before writing anything, a header that names a column twice, a JSON
 * Lines record with a key given twice, and a field longer than {@link FieldLengthLimit}, in every input
 * format: exit 2, one line naming the file, the line and the names.
 */
class PrepareInputRulesTest {
  @TempDir Path dir;

  private static final String ROWS_CSV = "one example text,a\nanother example text,b\nthird example text,a\nfourth example text,b\n";

  /** Runs prepare and checks exit 2, exactly {@code "error: " + expected}, and no output folder or temporary folder. */
  private void assertRefused(String expected, String kind, Path in) throws Exception {
    Path out = dir.resolve("out");
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.run("prepare", kind, "--in", in.toString(), "--out", out.toString());
    } finally {
      System.setErr(old);
    }
    assertEquals(2, code, err.toString(StandardCharsets.UTF_8));
    assertEquals("error: " + expected + System.lineSeparator(), err.toString(StandardCharsets.UTF_8));
    assertFalse(Files.exists(out), "no output folder");
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(0, files.filter(p -> p.getFileName().toString().startsWith(".out")).count(), "no temporary folder");
    }
  }

  @Test
  void csvWithARepeatedColumnName() throws Exception {
    // before: exit 0, and the second label column silently replaced the first
    Path in = Files.writeString(dir.resolve("d.csv"), "text,label,label\n" + ROWS_CSV.replace("\n", ",x\n"));
    assertRefused(in + ":1: the header names a column more than once: 'label' (columns 2, 3); give every column its own name",
        "csv", in);
    Path text = Files.writeString(dir.resolve("t.csv"), "text,label,text\n" + ROWS_CSV.replace("\n", ",x\n"));
    assertRefused(text + ":1: the header names a column more than once: 'text' (columns 1, 3); give every column its own name",
        "csv", text);
  }

  @Test
  void tsvWithARepeatedColumnName() throws Exception {
    Path in = Files.writeString(dir.resolve("d.tsv"), "text\tlabel\tlabel\n" + ROWS_CSV.replace(",", "\t").replace("\n", "\tx\n"));
    assertRefused(in + ":1: the header names a column more than once: 'label' (columns 2, 3); give every column its own name",
        "tsv", in);
  }

  @Test
  void jsonlWithARepeatedKey() throws Exception {
    // before: exit 0 with the last value
    Path in = Files.writeString(dir.resolve("d.jsonl"),
        "{\"text\":\"one example\",\"label\":\"a\"}\n{\"text\":\"two example\",\"label\":\"b\",\"label\":\"a\"}\n");
    assertRefused(in + ":2: key 'label' appears twice in one object; keep only one of them", "jsonl", in);
  }

  @Test
  void aFieldAboveTheLimitInEachFormat() throws Exception {
    String tooLong = "w".repeat(FieldLengthLimit.MAX_CHARS + 1);
    String problem = "column 'text' has 1,000,001 characters, more than the limit of 1,000,000; " + FieldLengthLimit.FIX;
    Path csv = Files.writeString(dir.resolve("l.csv"), "text,label\n" + ROWS_CSV + tooLong + ",a\n");
    assertRefused(csv + ":6: " + problem, "csv", csv);
    Path tsv = Files.writeString(dir.resolve("l.tsv"), "text\tlabel\n" + ROWS_CSV.replace(",", "\t") + tooLong + "\ta\n");
    assertRefused(tsv + ":6: " + problem, "tsv", tsv);
    // above Jackson's own 20,000,000 cap, whose message "String value length ... exceeds" users used to get
    Path jsonl = Files.writeString(dir.resolve("l.jsonl"),
        "{\"text\":\"one example\",\"label\":\"a\"}\n{\"text\":\"" + "w".repeat(20_000_001) + "\",\"label\":\"b\"}\n");
    assertRefused(jsonl + ":2: field 'text' has 20,000,001 characters, more than the limit of 1,000,000; " + FieldLengthLimit.FIX,
        "jsonl", jsonl);
  }
}
