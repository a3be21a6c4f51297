package dev.jtune.train;

import dev.jtune.model.ClassifierHead;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jtune train} refuses bad config values before the run folder exists, and a run whose loss
 * diverges stops in one line, keeping its last good checkpoint and writing nothing after it.
 */
class TrainingValidationTest {
  @TempDir static Path dir;
  static Path encoder;
  static Path data;

  @BeforeAll
  static void fixtures() throws Exception {
    encoder = TinyRunFixture.encoder(dir);
    data = TinyRunFixture.dataset(dir, 96, 32, 32);
    // the tokenizer library logs a notice on its first load; have it printed here, not in a checked stderr
    try (var tok = dev.jtune.data.TextTokenizer.load(dev.jtune.model.EncoderSavedModel.load(encoder).tokenizerJson(), 32)) {
      tok.encode("w8");
    }
  }

  /** Exit code and stderr of {@code jtune args}. */
  static String[] run(String... args) {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.run(args);
    } finally {
      System.setErr(old);
    }
    return new String[] {Integer.toString(code), buf.toString(StandardCharsets.UTF_8).strip()};
  }

  private static String[] train(Path out, String... more) {
    List<String> args = new ArrayList<>(List.of("train", "--model", encoder.toString(), "--data", data.toString(),
        "--out", out.toString(), "--max-seq-len", "32", "--batch-size", "16", "--no-progress"));
    args.addAll(List.of(more));
    return run(args.toArray(String[]::new));
  }

  /** Exit 2, one line containing {@code expected}, and no run folder. */
  private static void assertRefusedBeforeTheRunFolder(String expected, Path out, String... more) {
    String[] r = train(out, more);
    assertEquals("2", r[0], r[1]);
    assertEquals(1, r[1].lines().count(), "one line: " + r[1]);
    assertTrue(r[1].startsWith("error: ") && r[1].contains(expected), r[1]);
    assertFalse(Files.exists(out), "the run folder is not created: " + out);
  }

  @Test
  void badConfigValuesAreRefusedBeforeTheRunFolderExists() throws Exception {
    Path runs = dir.resolve("refused");
    Path infinite = Files.writeString(dir.resolve("infinite.json"), "{\"optimizer\": {\"learning_rate\": 1e400}}");
    assertRefusedBeforeTheRunFolder(infinite + ": optimizer.learning_rate: expected a finite number", runs.resolve("a"),
        "--config", infinite.toString());
    Path fraction = Files.writeString(dir.resolve("fraction.json"), "{\"loop\": {\"epochs\": 1.5}}");
    assertRefusedBeforeTheRunFolder(fraction + ": loop.epochs: expected a whole number, got 1.5", runs.resolve("b"),
        "--config", fraction.toString());
    Path word = Files.writeString(dir.resolve("word.json"), "{\"optimizer\": {\"learning_rate\": \"fast\"}}");
    assertRefusedBeforeTheRunFolder(word + ": optimizer.learning_rate: expected a number, got \"fast\"", runs.resolve("c"),
        "--config", word.toString());
    assertRefusedBeforeTheRunFolder("command line: optimizer.learning_rate: expected a number, got \"fast\"", runs.resolve("d"),
        "--set", "optimizer.learning_rate=fast");
    assertRefusedBeforeTheRunFolder("optimizer.learning_rate: expected a finite number", runs.resolve("e"), "--lr", "1e400");
    assertRefusedBeforeTheRunFolder("unknown config field 'optimizer.lr'; did you mean optimizer.learning_rate?", runs.resolve("f"),
        "--set", "optimizer.lr=0.1");
    Path twice = Files.writeString(dir.resolve("twice.json"), "{\"loop\": {\"epochs\": 3, \"epochs\": 5}}");
    assertRefusedBeforeTheRunFolder(twice + ":1: key 'loop.epochs' appears twice in one object", runs.resolve("g"),
        "--config", twice.toString());
    assertFalse(Files.exists(runs));
  }

  @Test
  void classWeightsOfTheWrongLengthAreRefusedBeforeAnythingIsWritten() throws Exception {
    // before: exit 2 but config.json was left behind, so a corrected rerun was refused as "already holds a run"
    Path out = dir.resolve("weights").resolve("run");
    assertRefusedBeforeTheRunFolder("loss.class_weights has 1 value but the dataset has 2 labels [plain, marked]", out,
        "--set", "loss.class_weights=[1.0]");
    Path file = Files.writeString(dir.resolve("weights.json"), "{\"loss\": {\"class_weights\": [1, 2, 3]}}");
    assertRefusedBeforeTheRunFolder("loss.class_weights has 3 values but the dataset has 2 labels", out, "--config", file.toString());
    assertFalse(Files.exists(out.getParent()));
  }

  @Test
  void aDivergingLossStopsTheRunKeepingTheLastGoodCheckpoint() throws Exception {
    // warmup makes step 1's learning rate 0 (a sound step, validated and checkpointed); step 2's 1e29 sends
    // the decayed head weights to infinity, so the loss is NaN from there on
    Path out = dir.resolve("diverged");
    String[] r = train(out, "--lr", "1e30", "--warmup-steps", "10", "--eval-every", "1", "--epochs", "2");
    assertEquals("2", r[0], r[1]);
    assertEquals(1, r[1].lines().count(), "one line, no stack trace: " + r[1]);
    Path last = out.resolve("checkpoints").resolve("last.ckpt");
    assertTrue(r[1].startsWith("error: training stopped at optimizer step 2: "), r[1]);
    assertTrue(r[1].contains("became NaN") || r[1].contains("became Infinity") || r[1].contains("became -Infinity"), r[1]);
    assertTrue(r[1].contains("the last good checkpoint " + last + " (step 1) is kept"), r[1]);
    assertEquals(1, CheckpointStore.read(last).state().step());
    for (float v : CheckpointStore.read(last).tensors().get(ClassifierHead.KERNEL).values()) assertTrue(Float.isFinite(v));
    assertFalse(Files.exists(out.resolve(TrainingRun.MODEL_DIR)), "no model/");
    try (Stream<Path> files = Files.walk(out)) {
      List<String> names = files.filter(Files::isRegularFile).map(p -> out.relativize(p).toString()).sorted().toList();
      assertEquals(List.of(".jtune-manifest.json", "checkpoints/best.ckpt", "checkpoints/last.ckpt", "config.json"),
          names.stream().filter(n -> !n.startsWith("tensorboard/")).toList(), "no plots, reports or temporary files after the failure");
      // the TensorBoard log stays (it shows how the run went) and holds nothing of the diverged step
      List<String> logs = names.stream().filter(n -> n.startsWith("tensorboard/")).toList();
      assertEquals(1, logs.size(), names.toString());
      assertTrue(logs.get(0).startsWith("tensorboard/events.out.tfevents."), logs.toString());
      var scalars = TensorBoardListenerTest.scalars(out.resolve("tensorboard"));
      assertEquals(java.util.Set.of(1L), scalars.get("train/loss").keySet());
      assertEquals(java.util.Set.of(1L), scalars.get("val/loss").keySet());
      assertTrue(scalars.values().stream().flatMap(m -> m.values().stream()).allMatch(Float::isFinite), scalars.toString());
    }
  }

  @Test
  void aDivergingAccumulatedUpdateStopsOnItsGradientOrLoss() {
    // with gradient accumulation the update runs apart from the loss; the same guard must hold
    TrainingConfig c = TrainerTest.config(Map.of("optimizer.learning_rate", 1e30, "schedule.warmup_steps", 10,
        "validation.every_steps", 1, "loop.grad_accumulation", 2, "loop.epochs", 2));
    Path run = dir.resolve("accumulated");
    TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
        () -> TrainerTest.trainer(c, run).train(TrainerTest.TRAIN, TrainerTest.VAL, false));
    assertEquals(2, e.step());
    assertEquals(run.resolve("checkpoints").resolve("last.ckpt"), e.lastGoodCheckpoint().orElseThrow());
  }

  @Test
  void aRepeatedColumnInADatasetOrAnEvaluationCsvIsRefused() throws Exception {
    Path finished = dir.resolve("finished");
    String[] r = train(finished, "--epochs", "1");
    assertEquals("0", r[0], r[1]);
    Path csv = Files.writeString(dir.resolve("extra.csv"), "text,label,label\nw8 w7,marked,plain\nw9 w10,plain,marked\n");
    r = run("evaluate", "--run", finished.toString(), "--csv", csv.toString());
    assertEquals("2", r[0], r[1]);
    assertEquals("error: " + csv + ":1: the header names a column more than once: 'label' (columns 2, 3); give every column its own name",
        r[1]);
    try (Stream<Path> files = Files.list(finished)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith("evaluation-")), "no evaluation written");
    }
    Path twice = TinyRunFixture.dataset(dir.resolve("twice"), 20, 10, 10);
    Files.writeString(twice.resolve("val.csv"), "text,label,text\nw8 w9,plain,w7\nw7 w7,marked,w8\n");
    assertRefusedBeforeTheRunFolder(twice.resolve("val.csv") + ":1: the header names a column more than once: 'text' (columns 1, 3)",
        dir.resolve("twice-run"), "--set", "data=" + twice);
  }
}
