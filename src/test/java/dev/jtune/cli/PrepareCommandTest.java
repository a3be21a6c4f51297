package dev.jtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.io.CliRun;
import dev.jtune.io.KilledProcess;
import dev.jtune.io.UserFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PrepareCommandTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream stdout;
  private PrintStream stderr;

  @BeforeEach
  void captureOutput() {
    stdout = System.out;
    stderr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreOutput() {
    System.setOut(stdout);
    System.setErr(stderr);
  }

  private String errors() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private Path write(String name, byte[] content) throws Exception {
    return Files.write(dir.resolve(name), content);
  }

  private Path write(String name, String content) throws Exception {
    return write(name, content.getBytes(StandardCharsets.UTF_8));
  }

  private static String rows(String... labels) {
    StringBuilder csv = new StringBuilder();
    for (int i = 0; i < labels.length; i++) csv.append("example text ").append((char) ('a' + i)).append(' ').append(1990 + i).append(',').append(labels[i]).append('\n');
    return csv.toString();
  }

  private void assertFailsWithoutOutput(String expectedError, String... args) throws Exception {
    Path outDir = dir.resolve("out");
    assertEquals(2, Main.run(args));
    assertEquals("error: " + expectedError + System.lineSeparator(), errors());
    assertFalse(Files.exists(outDir), "no output folder");
    try (Stream<Path> files = Files.list(dir)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".out")), "no temporary folder left");
    }
  }

  private String[] csvArgs(Path in) {
    return new String[] {"prepare", "csv", "--in", in.toString(), "--out", dir.resolve("out").toString()};
  }

  @Test
  void preparesACsvAndPrintsTheReportTable() throws Exception {
    Path in = write("d.csv", "text,label\n" + rows("a", "b", "a", "b", "a", "b", "a", "b", "a", "b"));
    assertEquals(0, Main.run("prepare", "csv", "--in", in.toString(), "--out", dir.resolve("out").toString(),
        "--split", "0.6,0.2,0.2", "--seed", "3", "--lowercase", "--placeholders", "number"), errors());
    String table = out.toString(StandardCharsets.UTF_8);
    assertTrue(table.contains("rows read"), table);
    assertTrue(table.contains("train"), table);
    assertTrue(Files.readString(dir.resolve("out/train.csv")).contains("example text c [NUMBER]"));
    assertTrue(Files.exists(dir.resolve("out/prepare-report.json")));
  }

  @Test
  void unbalancedQuotes() throws Exception {
    Path in = write("q.csv", "text,label\nfine,a\n\"open quote,b\n");
    assertFailsWithoutOutput(in + ":3: unbalanced quotes: a quoted field is never closed; "
        + "close the quote or double every quote inside a quoted field (\"\")", csvArgs(in));
  }

  @Test
  void missingColumn() throws Exception {
    Path in = write("m.csv", "text,label\n" + rows("a", "b"));
    String[] args = Stream.concat(Stream.of(csvArgs(in)), Stream.of("--label-col", "category")).toArray(String[]::new);
    assertFailsWithoutOutput(in + ":1: column 'category' not found (columns: text, label); "
        + "pass --label-col with one of these names", args);
  }

  @Test
  void nonUtf8Bytes() throws Exception {
    Path in = write("l.csv", ("text,label\n" + rows("a", "b") + "na\u00EFve,a\n").getBytes(StandardCharsets.ISO_8859_1));
    assertFailsWithoutOutput(in + ":4: byte 0xEF at offset 57 is not valid UTF-8; "
        + "convert the file to UTF-8 (e.g. iconv -f WINDOWS-1252 -t UTF-8)", csvArgs(in));
  }

  @Test
  void emptyFile() throws Exception {
    Path in = write("e.csv", "");
    assertFailsWithoutOutput(in + ":1: file is empty; give a file with a header row and data rows", csvArgs(in));
  }

  @Test
  void blankLabels() throws Exception {
    Path in = write("b.csv", "text,label\n" + rows("a", "b", " ", "a"));
    assertFailsWithoutOutput(in + ":4: label column 'label' is blank; fill in a label or remove the row", csvArgs(in));
  }

  @Test
  void oneClassOnly() throws Exception {
    Path in = write("o.csv", "text,label\n" + rows("a", "a", "a"));
    assertFailsWithoutOutput(in + ": only one label ('a') in 3 rows; a classifier needs at least two classes; "
        + "check --label-col or add rows of other classes", csvArgs(in));
  }

  @Test
  void badSplitRatiosAreAnOptionError() throws Exception {
    Path in = write("s.csv", "text,label\n" + rows("a", "b"));
    String[] args = Stream.concat(Stream.of(csvArgs(in)), Stream.of("--split", "0.8,0.3,0.1")).toArray(String[]::new);
    assertEquals(2, Main.run(args));
    assertTrue(errors().contains("split ratios must sum to 1"), errors());
    assertFalse(Files.exists(dir.resolve("out")));
  }

  @Test
  void missingInputFile() throws Exception {
    Path in = dir.resolve("nope.csv");
    assertFailsWithoutOutput(in + ": file not found; check the --in path", csvArgs(in));
  }

  @ParameterizedTest
  @ValueSource(strings = {"csv", "tsv", "jsonl", "spamassassin", "sotu"})
  void everyInputKindHasHelp(String kind) {
    assertEquals(0, Main.run("prepare", kind, "--help"));
    String help = out.toString(StandardCharsets.UTF_8);
    for (String option : List.of("--in", "--out", "--lowercase", "--placeholders", "--max-chars", "--min-words", "--split", "--seed")) {
      assertTrue(help.contains(option), kind + " help lists " + option);
    }
  }

  // ---- where prepare may write (issue: data loss) ----------------------------------------------

  private Path tenRows() throws Exception {
    return write("d.csv", "text,label\n" + rows("a", "b", "a", "b", "a", "b", "a", "b", "a", "b"));
  }

  private CliRun prepareInto(Path in, Path out, String... more) {
    return CliRun.of(Stream.concat(Stream.of("prepare", "csv", "--in", in.toString(), "--out", out.toString()), Stream.of(more))
        .toArray(String[]::new));
  }

  @Test
  void aFolderOfTheUsersIsRefusedAndEveryFileBesideAndInsideItStaysByteIdentical() throws Exception {
    Path in = tenRows();
    Path out = dir.resolve("userdir");
    UserFiles user = UserFiles.beside(out).and(UserFiles.inside(out));
    prepareInto(in, out).assertRefused(out + ": folder exists and was not written by jtune (no .jtune-manifest.json); "
        + "choose another --out or empty it yourself");
    prepareInto(in, out, "--force").assertRefused("was not written by jtune");
    user.assertUnchanged();
    UserFiles.assertNoTemporaries(dir);
  }

  @Test
  void aFolderWithOnlyAnEmptyPrepareReportIsNotADataset() throws Exception {
    Path in = tenRows();
    Path out = dir.resolve("project");
    UserFiles user = new UserFiles().put(out.resolve("prepare-report.json"), "{}".getBytes(StandardCharsets.UTF_8))
        .put(out.resolve("Main.java"), "class Main {}".getBytes(StandardCharsets.UTF_8))
        .put(out.resolve(".git/HEAD"), "ref: refs/heads/main\n".getBytes(StandardCharsets.UTF_8));
    prepareInto(in, out, "--force").assertRefused("was not written by jtune");
    user.assertUnchanged();
  }

  @Test
  void rerunningReplacesItsOwnDatasetAndForceKeepsWhatTheUserAddedInside() throws Exception {
    Path in = tenRows();
    Path out = dir.resolve("ds");
    prepareInto(in, out).assertOk();
    prepareInto(in, out, "--seed", "9").assertOk();
    UserFiles user = UserFiles.beside(out).and(UserFiles.inside(out));
    prepareInto(in, out).assertRefused("(sub was not written by jtune); pass --force to replace it (entries you added are kept)");
    user.assertUnchanged();
    prepareInto(in, out, "--seed", "3", "--force").assertOk();
    user.assertUnchanged();
    assertTrue(Files.isRegularFile(out.resolve("train.csv")));
    UserFiles.assertNoTemporaries(dir);
  }

  @Test
  void theFolderHoldingTheInputIsRefusedHoweverItIsSpelled() throws Exception {
    Path in = tenRows();
    UserFiles user = UserFiles.existing(in);
    prepareInto(in, dir).assertRefused(dir + ": holds the input " + in);
    prepareInto(in, dir.resolve("sub/..")).assertRefused("holds the input " + in);
    prepareInto(in, in).assertRefused("is the input " + in);
    user.assertUnchanged();
  }

  @Test
  void theTemporaryFolderOfAKilledPrepareIsRemovedByTheNextOne() throws Exception {
    Path in = tenRows();
    // what a kill -9 during the write leaves: a half-written hidden sibling named after the dead process
    Path stale = Files.createDirectories(dir.resolve(".ds.jtune-tmp-" + KilledProcess.pid() + "-k1lled00"));
    Files.writeString(stale.resolve("train.csv"), "text,label\nhalf");
    prepareInto(in, dir.resolve("ds")).assertOk();
    assertFalse(Files.exists(stale));
    UserFiles.assertNoTemporaries(dir);
  }
}
