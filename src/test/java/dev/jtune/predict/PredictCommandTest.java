package dev.jtune.predict;

import static org.junit.jupiter.api.Assertions.*;

import dev.jtune.io.CliRun;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jtune predict} on a tiny run (2 layers, hidden 32): the texts' labels and probabilities,
 * from a run folder, its model/ or an export folder, from arguments or stdin; and the launcher
 * {@code bin/jtune} keeping the runtimes' log lines off the console unless --verbose.
 */
class PredictCommandTest {
  @TempDir static Path tmp;
  static Path run;
  static Path exports;

  @BeforeAll
  static void fixture() throws Exception {
    run = tmp.resolve("runs/tiny");
    TinyClassifier.write(run.resolve("model"), 8, 3);
    // an exported version is a SavedModel folder too: the newest of exports/tiny/ is used
    exports = tmp.resolve("exports");
    copy(run.resolve("model"), exports.resolve("tiny/2"));
    Files.createDirectories(exports.resolve("tiny/1"));
  }

  /** What one in-process run printed on stdout, with its exit code and stderr. */
  record Printed(int code, String out, String err) {}

  static Printed predict(String stdin, String... args) {
    PrintStream oldOut = System.out;
    InputStream oldIn = System.in;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    if (stdin != null) System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    try {
      CliRun r = CliRun.of(args);
      return new Printed(r.code(), out.toString(StandardCharsets.UTF_8), r.err());
    } finally {
      System.setOut(oldOut);
      System.setIn(oldIn);
    }
  }

  /** The lines jtune predict must print for {@code texts}: computed with the library itself. */
  static List<String> expected(List<String> texts) {
    try (TextClassifier c = TextClassifier.load(run.resolve("model"))) {
      float[][] p = c.probabilities(texts, 32);
      List<String> lines = new java.util.ArrayList<>(List.of("label\tprob_neg\tprob_pos\ttext"));
      for (int i = 0; i < texts.size(); i++) {
        lines.add((p[i][1] > p[i][0] ? "pos" : "neg") + String.format(Locale.ROOT, "\t%.4f\t%.4f\t", p[i][0], p[i][1]) + texts.get(i));
      }
      return lines;
    }
  }

  @Test
  void printsLabelAndProbabilitiesPerTextForARunItsModelAndAnExport() {
    List<String> texts = List.of("w5 w6 w7", "w42", "w99 w98 w97 w96 w95 w94 w93 w92 w91 w90");
    List<String> want = expected(texts);
    assertNotEquals(want.get(1).split("\t")[1], want.get(2).split("\t")[1], "texts get different probabilities");
    for (Path model : List.of(run, run.resolve("model"), exports.resolve("tiny"), exports.resolve("tiny/2"))) {
      Printed p = predict(null, "predict", "--model", model.toString(), texts.get(0), texts.get(1), texts.get(2));
      assertEquals(0, p.code(), p.err());
      assertEquals(want, p.out().lines().toList(), model.toString());
    }
  }

  @Test
  void aDashReadsOneTextPerStdinLineSkippingBlankOnes() {
    Printed p = predict("w5 w6 w7\n\nw42\r\n", "predict", "--model", run.toString(), "-");
    assertEquals(0, p.code(), p.err());
    assertEquals(expected(List.of("w5 w6 w7", "w42")), p.out().lines().toList());
  }

  @Test
  void badInputIsOneLineAndExitCode2() {
    CliRun.of("predict", "--model", run.toString(), "w5", " ").assertRefused("text 2 is empty");
    CliRun.of("predict", "--model", run.toString(), "w5", "-").assertRefused("'-' (texts from stdin) cannot be mixed");
    CliRun.of("predict", "--model", tmp.resolve("nowhere").toString(), "w5").assertRefused("model folder not found");
    CliRun.of("predict", "--model", run.toString()).assertRefused("Missing required parameter");
  }

  @Test
  void theLauncherKeepsRuntimeLogLinesOffTheConsoleUnlessVerbose() throws Exception {
    Process quiet = launch("predict", "--model", run.toString(), "w5 w6");
    String err = new String(quiet.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    String out = new String(quiet.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(quiet.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, quiet.exitValue(), err);
    assertEquals(expected(List.of("w5 w6")), out.lines().toList());
    for (String noise : List.of("Failed to detect GPU count", "I0000", "absl::InitializeLog", "oneDNN", "Reading SavedModel", "INFO")) {
      assertFalse(err.contains(noise), "'" + noise + "' on stderr:\n" + err);
    }
    assertEquals("", err.strip(), "nothing but jtune's own lines");

    // real errors still show, as one line
    Process refused = launch("predict", "--model", tmp.resolve("nowhere").toString(), "w5");
    String refusal = new String(refused.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(refused.waitFor(120, TimeUnit.SECONDS));
    assertEquals(2, refused.exitValue());
    assertEquals(1, refusal.strip().lines().count(), refusal);
    assertTrue(refusal.startsWith("error: ") && refusal.contains("model folder not found"), refusal);

    Process verbose = launch("predict", "--verbose", "--model", run.toString(), "w5 w6");
    String loud = new String(verbose.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    verbose.getInputStream().readAllBytes();
    assertTrue(verbose.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, verbose.exitValue(), loud);
    assertTrue(loud.contains("Reading SavedModel"), "TensorFlow's INFO lines with --verbose:\n" + loud);
  }

  /** bin/jtune on this test's classpath (the jar is not built yet during the tests), its log level left to the launcher. */
  private static Process launch(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(Path.of("bin/jtune").toAbsolutePath().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("JTUNE_CLASSPATH", System.getProperty("java.class.path"));
    pb.environment().put("JTUNE_JAVA_OPTS", "-Xmx1g");
    pb.environment().remove("TF_CPP_MIN_LOG_LEVEL");
    return pb.start();
  }

  private static void copy(Path from, Path to) throws Exception {
    try (var s = Files.walk(from)) {
      for (Path f : s.toList()) {
        Path t = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) Files.createDirectories(t);
        else Files.copy(f, t);
      }
    }
  }

}
