package dev.jtune.export;

import static org.junit.jupiter.api.Assertions.*;

import dev.jtune.JtuneException;
import dev.jtune.cli.Main;
import dev.jtune.export.ir.GraphLowering;
import dev.jtune.io.CliRun;
import dev.jtune.io.UserFiles;
import dev.jtune.model.BertConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Inputs a user can get wrong: one clear line, exit code 2, nothing written. */
class ExportBadInputTest {
  @TempDir static Path tmp;
  static Path run;

  @BeforeAll
  static void fixture() throws Exception {
    run = TinyRunFixture.create(tmp.resolve("runs/ok"), BertConfig.Pooler.DENSE, "cls", 1);
  }

  /** Runs the CLI; returns {exit code, stderr}. */
  static Object[] cli(String... args) {
    PrintStream err = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      int code = Main.run(args);
      return new Object[] {code, buf.toString(StandardCharsets.UTF_8)};
    } finally {
      System.setErr(err);
    }
  }

  static void assertRejected(Path out, String expected, String... args) {
    Object[] r = cli(args);
    String err = ((String) r[1]).strip();
    assertEquals(2, r[0], err);
    String last = err.lines().reduce((a, b) -> b).orElse("");
    assertTrue(last.startsWith("error: ") && last.contains(expected), err);
    assertFalse(Files.exists(out), "nothing may be written to " + out);
  }

  @Test
  void missingRunFolder() {
    Path out = tmp.resolve("out1");
    assertRejected(out, "no such run folder", "export", "--run", tmp.resolve("runs/nope").toString(), "--out", out.toString());
  }

  @Test
  void runWithoutAFinishedModel() throws Exception {
    Path unfinished = Files.createDirectories(tmp.resolve("runs/unfinished"));
    Files.writeString(unfinished.resolve("config.json"), "{}");
    Path out = tmp.resolve("out2");
    assertRejected(out, "no finished model", "export", "--run", unfinished.toString(), "--out", out.toString());
  }

  @Test
  void unknownFormat() {
    Path out = tmp.resolve("out3");
    assertRejected(out, "unknown export format 'coreml'", "export", "--run", run.toString(), "--format", "onnx,coreml", "--out", out.toString());
  }

  @Test
  void unknownTfliteVariant() {
    Path out = tmp.resolve("out4");
    assertRejected(out, "unknown TFLite variant 'int4'", "export", "--run", run.toString(), "--tflite-variants", "int4", "--out", out.toString());
  }

  @Test
  void missingParityDataset() {
    Path out = tmp.resolve("out5");
    assertRejected(out, "labels.txt: file not found", "export", "--run", run.toString(), "--format", "onnx", "--data", tmp.resolve("no-data").toString(), "--out", out.toString());
    // the run's config.json names a dataset folder that does not exist here
    assertRejected(out, "pass --data datasets/<name>", "export", "--run", run.toString(), "--format", "onnx", "--out", out.toString());
  }

  @Test
  void unsupportedOpIsNamedWithItsNode() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TInt32> ids = tf.withName("input_word_ids").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      var x = tf.dtypes.cast(ids, TFloat32.class);
      tf.withName("logits").math.cumsum(x, tf.constant(1));
      try (Session s = new Session(g)) {
        JtuneException e = assertThrows(JtuneException.class,
            () -> GraphLowering.lower(g, s, Map.of("input_word_ids", "input_word_ids"), Map.of("logits", "logits"), null));
        assertTrue(e.getMessage().startsWith("unsupported op 'Cumsum' (node 'logits')"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
      }
    }
  }

  @Test
  void dropoutLeftInTheServedGraphIsRejected() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TInt32> ids = tf.withName("input_word_ids").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      var x = tf.dtypes.cast(ids, TFloat32.class);
      var keep = tf.random.randomUniform(tf.shape(x), TFloat32.class);
      tf.withName("logits").math.mul(x, keep);
      try (Session s = new Session(g)) {
        JtuneException e = assertThrows(JtuneException.class,
            () -> GraphLowering.lower(g, s, Map.of("input_word_ids", "input_word_ids"), Map.of("logits", "logits"), null));
        assertTrue(e.getMessage().contains("random op 'RandomUniform'"), e.getMessage());
      }
    }
  }

  // ---- where export may write (issue: data loss) -----------------------------------------------

  @Test
  void aFolderOfTheUsersAtOutNameIsRefusedAndForceOnlyAddsAVersion() throws Exception {
    Path out = tmp.resolve("exports-user");
    Path model = out.resolve("ok");
    UserFiles user = UserFiles.beside(model).and(UserFiles.inside(model))
        .and(new UserFiles().put(model.resolve("7/saved_model.pb"), "someone else's version".getBytes()));
    String[] args = {"export", "--run", run.toString(), "--format", "onnx", "--no-parity", "--out", out.toString()};
    CliRun.of(args).assertRefused(model + ": holds sub, which is not a version folder, so it is not a model folder; choose another "
        + "--out or --name, or pass --force to add a version beside it (nothing is deleted)");
    user.assertUnchanged();
    assertFalse(Files.exists(model.resolve("8")));

    String[] forced = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--force")).toArray(String[]::new);
    CliRun.of(forced).assertOk();
    user.assertUnchanged();
    assertTrue(Files.isRegularFile(model.resolve("8/model.onnx")), "a new version beside the others");
    assertEquals("export-version", dev.jtune.io.Manifest.read(model.resolve("8/.jtune-manifest.json")).orElseThrow().kind());
    UserFiles.assertNoTemporaries(model);
  }

  @Test
  void theModelFolderMayNotHoldOrLieInsideTheRun() {
    Path runs = run.getParent();
    CliRun.of("export", "--run", run.toString(), "--format", "onnx", "--no-parity", "--out", runs.getParent().toString(), "--name", "runs")
        .assertRefused(runs + ": holds the input " + run);
    CliRun.of("export", "--run", run.toString(), "--format", "onnx", "--no-parity", "--out", run.toString())
        .assertRefused(run.resolve("ok") + ": is inside the input folder " + run);
    assertFalse(Files.exists(run.resolve("ok")));
  }
}
