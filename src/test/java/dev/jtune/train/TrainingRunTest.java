package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jtune.baseline.BaselineResult;
import dev.jtune.baseline.BaselineSettings;
import dev.jtune.baseline.TfidfLogisticRegression;
import dev.jtune.cli.Main;
import dev.jtune.data.PreparedDataset;
import dev.jtune.data.TokenBatch;
import dev.jtune.artifact.JtuneJson;
import dev.jtune.model.ClassifierHead;
import dev.jtune.predict.SavedModelPredictor;
import dev.jtune.io.CliRun;
import dev.jtune.io.Manifest;
import dev.jtune.io.UserFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jtune train} / {@code jtune evaluate} end to end on the tiny encoder and a toy dataset. */
class TrainingRunTest {
  @TempDir static Path dir;
  static Path encoder;
  static Path data;
  static Path run;

  @BeforeAll
  static void trainOnce() throws Exception {
    encoder = TinyRunFixture.encoder(dir);
    data = TinyRunFixture.dataset(dir, 240, 80, 80);
    run = dir.resolve("runs").resolve("toy");
    int code = Main.run("train", "--model", encoder.toString(), "--data", data.toString(), "--out", run.toString(),
        "--epochs", "4", "--lr", "0.01", "--batch-size", "16", "--max-seq-len", "32", "--no-progress");
    assertEquals(0, code);
  }

  @Test
  void runFolderHoldsEveryArtifact() throws Exception {
    for (String f : List.of("config.json", "metrics.json", "history.csv", "report.md", "provenance.json", "loss.png",
        "metrics.png", "learning_rate.png", "confusion_matrix.png", "checkpoints/last.ckpt", "checkpoints/best.ckpt",
        "model/saved_model.pb", "model/assets/bert_config.json", "model/assets/tokenizer.json", "model/assets/labels.txt",
        "model/assets/classifier.json", "model/README.md", "per_class.png", "quality_speed.png")) {
      assertTrue(Files.isRegularFile(run.resolve(f)), "missing " + f);
    }
    JsonNode metrics = JtuneJson.MAPPER.readTree(run.resolve("metrics.json").toFile());
    assertTrue(metrics.at("/test/macro_f1").asDouble() > 0.8, metrics.at("/test").toString());
    assertEquals(80, metrics.at("/test/examples").asInt());
    assertEquals(5, Files.readAllLines(run.resolve("history.csv")).size(), "header + one row per epoch");
    JsonNode info = JtuneJson.MAPPER.readTree(run.resolve("model/assets/classifier.json").toFile());
    assertEquals("mean", info.get("pooling").asText());
    assertEquals(2, info.get("layers").asInt(), "default head.layers 4 uses both layers of the tiny encoder");
    assertEquals(2, info.get("num_labels").asInt());
    assertEquals(32, info.get("max_seq_len").asInt());
    assertEquals(64, JtuneJson.MAPPER.readTree(run.resolve("provenance.json").toFile()).at("/dataset/sha256").asText().length());
    assertEquals(TrainingConfig.read(run.resolve("config.json")).loop().epochs(), 4);
  }

  @Test
  void tensorBoardLogsTheStepsAndValidationsThatHistoryCsvRecords() throws Exception {
    Path board = run.resolve("tensorboard");
    List<Path> files;
    try (var s = Files.list(board)) {
      files = s.toList();
    }
    assertEquals(1, files.size(), files.toString());
    assertTrue(files.get(0).getFileName().toString().startsWith("events.out.tfevents."), files.toString());
    List<org.tensorflow.proto.Event> events = dev.jtune.eval.TfRecords.events(files.get(0)); // every record's CRCs checked
    assertEquals("brain.Event:2", events.get(0).getFileVersion());
    var scalars = TensorBoardListenerTest.scalars(board);
    JsonNode metrics = JtuneJson.MAPPER.readTree(run.resolve("metrics.json").toFile());
    long steps = metrics.get("steps").asLong();
    assertEquals(steps, scalars.get("train/loss").size(), "one train loss per optimizer step");
    assertEquals(steps, scalars.get("train/grad_norm").size());
    assertEquals(java.util.Set.of("train/learning_rate/head"), scalars.keySet().stream().filter(t -> t.startsWith("train/learning_rate/"))
        .collect(java.util.stream.Collectors.toSet()), "the encoder is frozen: only the head's group trains");
    List<org.apache.commons.csv.CSVRecord> history;
    try (var parser = org.apache.commons.csv.CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get()
        .parse(Files.newBufferedReader(run.resolve("history.csv")))) {
      history = parser.getRecords();
    }
    assertEquals(history.size(), scalars.get("val/loss").size());
    long previous = 0;
    for (org.apache.commons.csv.CSVRecord h : history) {
      long step = Long.parseLong(h.get("step"));
      assertEquals(Float.parseFloat(h.get("val_loss")), scalars.get("val/loss").get(step), "val loss at step " + step);
      assertEquals(Float.parseFloat(h.get("val_accuracy")), scalars.get("val/accuracy").get(step));
      assertEquals(Float.parseFloat(h.get("val_macro_f1")), scalars.get("val/macro_f1").get(step));
      assertEquals(Float.parseFloat(h.get("learning_rate")), scalars.get("train/learning_rate/head").get(step));
      assertEquals(Float.parseFloat(h.get("train_loss")), scalars.get("train/loss_since_validation").get(step));
      assertEquals(Double.parseDouble(h.get("train_seq_per_s")), scalars.get("train/seq_per_s").get(step), 0.05, "history rounds to 0.1");
      // one micro-batch per step: the train loss since the last validation is the mean of the steps' losses
      double mean = scalars.get("train/loss").subMap(previous, false, step, true).values().stream().mapToDouble(Float::doubleValue)
          .average().orElseThrow();
      assertEquals(Double.parseDouble(h.get("train_loss")), mean, 1e-5, "steps " + previous + ".." + step);
      previous = step;
    }
    assertEquals((float) metrics.at("/test/macro_f1").asDouble(), scalars.get("test/macro_f1").get(steps));
    org.tensorflow.proto.Summary.Image image = events.stream().flatMap(e -> e.getSummary().getValueList().stream())
        .filter(v -> v.getTag().equals("test/confusion_matrix")).findFirst().orElseThrow().getImage();
    java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(image.getEncodedImageString().toByteArray()));
    assertEquals(png.getWidth(), image.getWidth());
    assertEquals(png.getHeight(), image.getHeight());
    assertTrue(png.getWidth() >= 400 && png.getHeight() >= 300, png.getWidth() + "x" + png.getHeight());
  }

  @Test
  void reportDrawsPerClassBarsAndQualityAgainstSpeedOfTheModelAndTheBaseline() throws Exception {
    for (String chart : List.of("per_class.png", "quality_speed.png")) {
      java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(run.resolve(chart).toFile());
      assertTrue(png.getWidth() >= 500 && png.getHeight() >= 300, chart);
      assertTrue(Files.size(run.resolve(chart)) > 10_000, chart + ": " + Files.size(run.resolve(chart)) + " bytes");
    }
    String report = Files.readString(run.resolve("report.md"));
    assertTrue(report.contains("![per-class precision and recall](per_class.png)"), report);
    assertTrue(report.contains("![quality against speed](quality_speed.png)"), report);
    JsonNode metrics = JtuneJson.MAPPER.readTree(run.resolve("metrics.json").toFile());
    double own = metrics.at("/timing/test_seq_per_s").asDouble(), baseline = metrics.at("/baseline/test_seq_per_s").asDouble();
    assertTrue(own > 0 && baseline > 0, metrics.toString());
    assertTrue(report.contains(String.format(java.util.Locale.ROOT, "| fine-tuned (this run) | %.1f | %.4f |", own,
        metrics.at("/test/macro_f1").asDouble())), report);
    assertTrue(report.contains(String.format(java.util.Locale.ROOT, "| TF-IDF + logistic regression | %.1f | %.4f |", baseline,
        metrics.at("/baseline/test/macro_f1").asDouble())), report);
  }

  @Test
  void modelCardCarriesTheRunsOwnNumbersAndLabels() throws Exception {
    String card = Files.readString(run.resolve("model/README.md"));
    assertTrue(card.startsWith("---\nlicense: unknown\npipeline_tag: text-classification\n"), card);
    assertTrue(card.contains("datasets:\n- " + data.getFileName() + "\n"), card);
    JsonNode metrics = JtuneJson.MAPPER.readTree(run.resolve("metrics.json").toFile());
    assertTrue(card.contains(String.format(java.util.Locale.ROOT, "| test | 80 | %.4f | %.4f |", metrics.at("/test/accuracy").asDouble(),
        metrics.at("/test/macro_f1").asDouble())), card);
    assertTrue(card.contains(String.format(java.util.Locale.ROOT, "| validation (best checkpoint) | 80 | %.4f | %.4f |",
        metrics.at("/validation/accuracy").asDouble(), metrics.at("/validation/macro_f1").asDouble())), card);
    List<String> labels = Files.readAllLines(run.resolve("model/assets/labels.txt"));
    for (int i = 0; i < labels.size(); i++) assertTrue(card.contains("| " + i + " | " + labels.get(i) + " |"), card);
    JsonNode confusion = metrics.at("/test/confusion");
    assertTrue(card.contains("| " + labels.get(0) + " | " + confusion.get(0).get(0) + " | " + confusion.get(0).get(1) + " |"), card);
    assertTrue(card.contains("- split sizes: train 240, validation 80, test 80"), card);
    assertTrue(card.contains("| learning rate (head) | 0.01 |"), card);
    assertTrue(card.contains("| max_seq_len / truncation | 32 / head |"), card);
    assertTrue(card.contains("| steps done / best step | " + metrics.get("steps").asText() + " / " + metrics.get("best_step").asText()), card);
    assertTrue(card.contains(metrics.at("/baseline/verdict").asText()), card);
    assertTrue(card.contains(":classify") && card.contains("jtune score --model exports/toy") && card.contains("TextClassifier.load("), card);
    for (String section : List.of("## Model description", "## Labels", "## Base encoder", "## Training data", "## Training recipe",
        "## Evaluation", "## Baseline comparison", "## Intended use and limitations", "## Export formats", "## How to use")) {
      assertTrue(card.contains("\n" + section + "\n"), section);
    }
  }

  @Test
  void anExportedVersionCarriesTheCardWithItsParityFigures() throws Exception {
    Path exports = dir.resolve("exports-card");
    assertEquals(0, Main.run("export", "--run", run.toString(), "--format", "savedmodel,onnx", "--out", exports.toString(),
        "--name", "toy-card"));
    Path version = exports.resolve("toy-card/1");
    String card = Files.readString(version.resolve("assets.extra/README.md"));
    assertTrue(card.startsWith("---\nlicense: unknown\npipeline_tag: text-classification\n"), card);
    assertTrue(card.contains("\n- onnx\n"), "the exported formats are tags: " + card);
    assertTrue(card.contains("# toy-card (version 1)"), card);
    JsonNode metrics = JtuneJson.MAPPER.readTree(run.resolve("metrics.json").toFile());
    assertTrue(card.contains(String.format(java.util.Locale.ROOT, "| test | 80 | %.4f | %.4f |", metrics.at("/test/accuracy").asDouble(),
        metrics.at("/test/macro_f1").asDouble())), card);
    JsonNode report = JtuneJson.MAPPER.readTree(version.resolve("export-report.json").toFile());
    assertTrue(card.contains("on " + report.get("examples").asInt() + " examples of " + report.get("parity_set").asText()), card);
    for (JsonNode a : report.get("artifacts")) {
      if (!a.has("max_abs_diff") || !a.has("check")) continue;
      assertTrue(card.contains(String.format(java.util.Locale.ROOT, "| %s | %s | `%s` | %.2f | %.1e | %.2f%% | %.4f | %s ok |", a.get("artifact").asText(),
          a.get("runtime").asText(), a.get("file").asText(), a.get("bytes").asLong() / 1e6, a.get("max_abs_diff").asDouble(),
          100 * a.get("label_agreement").asDouble(), a.get("macro_f1").asDouble(), a.get("check").asText())), a + "\n" + card);
    }
    assertTrue(card.contains("localhost:8501/v1/models/toy-card:classify"), card);
    assertTrue(card.contains("TextClassifier.load(Path.of(\"exports/toy-card/1\"))"), card);
    assertTrue(Manifest.read(Manifest.fileIn(version)).orElseThrow().paths().contains("assets.extra/README.md"), "recorded as the export's own");

    assertEquals(0, Main.run("export", "--run", run.toString(), "--format", "savedmodel", "--no-parity", "--out", exports.toString(),
        "--name", "toy-card"));
    String unchecked = Files.readString(exports.resolve("toy-card/2/assets.extra/README.md"));
    assertTrue(unchecked.contains("# toy-card (version 2)"), unchecked);
    assertTrue(unchecked.contains("Exported without a parity check (`--no-parity`)"), unchecked);
    assertFalse(unchecked.contains("\n- onnx\n"), "no ONNX file in this version: " + unchecked);
  }

  @Test
  void reportComparesTheModelWithTheBaselineAndSaysWhichWins() throws Exception {
    JsonNode metrics = JtuneJson.MAPPER.readTree(run.resolve("metrics.json").toFile());
    JsonNode b = metrics.get("baseline");
    BaselineResult direct = TfidfLogisticRegression.fit(PreparedDataset.load(data), BaselineSettings.defaults());
    assertEquals(direct.validation().macroF1(), b.at("/validation/macro_f1").asDouble(), "the baseline of the run's data");
    assertEquals(direct.validation().accuracy(), b.at("/validation/accuracy").asDouble());
    assertEquals(direct.test().macroF1(), b.at("/test/macro_f1").asDouble());
    assertEquals(direct.chosenC(), b.get("c").asDouble());
    assertEquals(2, b.get("candidates").size());
    assertTrue(b.get("method").asText().startsWith("TF-IDF (word 1-2 grams, min_df 2"), b.get("method").asText());
    double model = metrics.at("/validation/macro_f1").asDouble(), baseline = direct.validation().macroF1();
    String verdict = String.format(java.util.Locale.ROOT, "verdict: the fine-tuned model %s the TF-IDF + logistic-regression baseline "
        + "on validation (macro-F1 %.4f vs %.4f)", model > baseline ? "beats" : "does not beat", model, baseline);
    assertEquals(verdict, b.get("verdict").asText());
    assertEquals(model > baseline, b.get("fine_tuned_beats_baseline").asBoolean());
    String report = Files.readString(run.resolve("report.md"));
    assertTrue(report.contains("| model | val macro-F1 | val accuracy | test macro-F1 | test accuracy |"), report);
    assertTrue(report.contains(String.format(java.util.Locale.ROOT, "| fine-tuned (best checkpoint) | %.4f | %.4f | %.4f | %.4f |",
        model, metrics.at("/validation/accuracy").asDouble(), metrics.at("/test/macro_f1").asDouble(),
        metrics.at("/test/accuracy").asDouble())), report);
    assertTrue(report.contains("\n" + verdict + "\n"), report);
  }

  @Test
  void aSecondRunReadsTheBaselineFromTheCacheAndNoBaselineLeavesItOut() throws Exception {
    Path second = dir.resolve("runs").resolve("toy-second");
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true));
    try {
      train(second, "--epochs", "1").assertOk();
    } finally {
      System.setOut(old);
    }
    JsonNode b = JtuneJson.MAPPER.readTree(second.resolve("metrics.json").toFile()).get("baseline");
    assertTrue(b.get("cached").asBoolean(), "same data, same settings: read from " + dir.resolve("runs/.feature-cache"));
    List<String> printed = out.toString().lines().toList();
    assertEquals(b.get("verdict").asText(), printed.get(printed.size() - 1), "train ends with the verdict");

    Path off = dir.resolve("runs").resolve("toy-off");
    train(off, "--epochs", "1", "--no-baseline").assertOk();
    assertFalse(JtuneJson.MAPPER.readTree(off.resolve("metrics.json").toFile()).has("baseline"));
    assertFalse(Files.readString(off.resolve("report.md")).contains("Baseline"));
    assertFalse(TrainingConfig.read(off.resolve("config.json")).report().baseline());
  }

  @Test
  void exportedClassifierGivesTheLogitsOfTheTrainedHead() throws Exception {
    // the head's trained values, read back from the best checkpoint, applied to the frozen encoder's
    // features: the mean-pooled outputs of both tiny layers (default head.layers 4, capped at 2)
    CheckpointStore.Checkpoint best = CheckpointStore.read(run.resolve("checkpoints/best.ckpt"));
    float[] kernel = best.tensors().get(ClassifierHead.KERNEL).values(), bias = best.tensors().get(ClassifierHead.BIAS).values();
    List<int[]> ids = new ArrayList<>();
    java.util.Random r = new java.util.Random(9);
    for (int i = 0; i < 12; i++) {
      int[] t = new int[3 + r.nextInt(20)];
      t[0] = 2;
      t[t.length - 1] = 3;
      for (int j = 1; j < t.length - 1; j++) t[j] = 4 + r.nextInt(96);
      ids.add(t);
    }
    float[] features;
    try (FeatureCache.Extractor ex = new FeatureCache.Extractor(TinyEncoder.CONFIG, TrainerTest.PRETRAINED, "mean", 2)) {
      Path file = dir.resolve("probe-features.f32");
      ex.extract(ids, 64, file, null);
      features = FeatureCache.open(file, 12, 2 * TinyEncoder.CONFIG.hiddenSize(), 1 << 20).orElseThrow()
          .rows(java.util.stream.IntStream.range(0, 12).toArray());
    }
    int h = 2 * TinyEncoder.CONFIG.hiddenSize();
    float[] first, second;
    try (SavedModelPredictor m = SavedModelPredictor.load(run.resolve("model"))) {
      first = m.logits(TokenBatch.of(ids));
    }
    try (SavedModelPredictor m = SavedModelPredictor.load(run.resolve("model"))) {
      second = m.logits(TokenBatch.of(ids));
    }
    org.junit.jupiter.api.Assertions.assertArrayEquals(first, second, "reloading gives identical outputs");
    for (int i = 0; i < 12; i++) {
      for (int c = 0; c < 2; c++) {
        double expected = bias[c];
        for (int k = 0; k < h; k++) expected += features[i * h + k] * kernel[k * 2 + c];
        assertEquals(expected, first[i * 2 + c], 1e-5, "logit " + i + "," + c);
      }
    }
  }

  @Test
  void evaluateScoresAnyLabeledCsv() throws Exception {
    Path csv = dir.resolve("extra.csv");
    StringBuilder s = new StringBuilder("body,gold\n");
    java.util.Random r = new java.util.Random(5);
    for (int i = 0; i < 30; i++) s.append(TinyRunFixture.toyRow(r)).append('\n');
    Files.writeString(csv, s.toString());
    int code = Main.run("evaluate", "--run", run.toString(), "--csv", csv.toString(), "--text-col", "body", "--label-col", "gold");
    assertEquals(0, code);
    JsonNode j = JtuneJson.MAPPER.readTree(run.resolve("evaluation-extra.json").toFile());
    assertEquals(30, j.at("/metrics/examples").asInt());
    assertEquals(0, Main.run("evaluate", "--run", run.toString()));
    assertTrue(Files.isRegularFile(run.resolve("evaluation-toy-test.md")));
  }

  @Test
  void dataTheBaselineCannotFitIsReportedAndTheRunStillFinishes() throws Exception {
    // every training word occurs once: TF-IDF with min_df 2 has no feature
    Path d = Files.createDirectories(dir.resolve("unique-words"));
    Files.writeString(d.resolve("labels.txt"), "plain\nmarked\n");
    Files.writeString(d.resolve("train.csv"), "text,label\nw10 w11,plain\nw12 w13,plain\nw7 w14,marked\nw15 w16,marked\n");
    Files.writeString(d.resolve("val.csv"), "text,label\nw10 w20,plain\nw7 w21,marked\n");
    Files.writeString(d.resolve("test.csv"), "text,label\nw11 w22,plain\nw7 w23,marked\n");
    Path out = dir.resolve("runs").resolve("unique-words");
    CliRun.of("train", "--model", encoder.toString(), "--data", d.toString(), "--out", out.toString(), "--epochs", "1",
        "--batch-size", "2", "--max-seq-len", "16", "--no-progress").assertOk();
    String skipped = JtuneJson.MAPPER.readTree(out.resolve("metrics.json").toFile()).at("/baseline/skipped").asText();
    assertTrue(skipped.startsWith("not computed: " + d.resolve("train.csv") + ": no word or n-gram occurs in 2 or more training texts"),
        skipped);
    assertTrue(Files.readString(out.resolve("report.md")).contains("baseline " + skipped), "the report says why");
  }

  @Test
  void evaluateShowsTheBaselinesTestScoreBesideTheModelsOnTheRunsTestSplit() throws Exception {
    CliRun.of("evaluate", "--run", run.toString(), "--data", data.toString(), "--force").assertOk();
    JsonNode b = JtuneJson.MAPPER.readTree(run.resolve("metrics.json").toFile()).get("baseline");
    String expected = String.format(java.util.Locale.ROOT, "%.4f (accuracy %.4f, C=%d)", b.at("/test/macro_f1").asDouble(),
        b.at("/test/accuracy").asDouble(), (long) b.get("c").asDouble());
    JsonNode extra = JtuneJson.MAPPER.readTree(run.resolve("evaluation-toy-test.json").toFile()).get("extra");
    assertEquals(expected, extra.get(dev.jtune.eval.Evaluation.BASELINE_KEY).asText());
    assertTrue(Files.readString(run.resolve("evaluation-toy-test.md")).contains("- " + dev.jtune.eval.Evaluation.BASELINE_KEY + ": " + expected));

    Path csv = Files.writeString(dir.resolve("other.csv"), "text,label\nw7 w9 w10,marked\nw8 w9,plain\n");
    CliRun.of("evaluate", "--run", run.toString(), "--csv", csv.toString()).assertOk();
    assertFalse(JtuneJson.MAPPER.readTree(run.resolve("evaluation-other.json").toFile()).get("extra").has(dev.jtune.eval.Evaluation.BASELINE_KEY),
        "other data: the baseline's scores do not apply");
  }

  @Test
  void initFromStartsWhereTheFinishedRunEnded() throws Exception {
    // with a vanishing learning rate, the first validation of a run started from the finished run
    // must see the finished run's best model: same validation loss, same head
    Path next = dir.resolve("runs").resolve("from-toy");
    int code = Main.run("train", "--model", encoder.toString(), "--data", data.toString(), "--out", next.toString(),
        "--init-from", run.toString(), "--unfreeze-top", "1", "--epochs", "1", "--lr", "1e-9", "--encoder-lr", "1e-9",
        "--batch-size", "16", "--max-seq-len", "32", "--no-progress");
    assertEquals(0, code);
    TrainingConfig c = TrainingConfig.read(next.resolve("config.json"));
    assertEquals(run.toString(), c.initFrom());
    JsonNode source = JtuneJson.MAPPER.readTree(run.resolve("metrics.json").toFile());
    List<String> history = Files.readAllLines(next.resolve("history.csv"));
    double firstValLoss = Double.parseDouble(history.get(1).split(",")[4]);
    assertEquals(source.at("/validation/loss").asDouble(), firstValLoss, 1e-4);
    float[] sourceKernel = CheckpointStore.read(run.resolve("checkpoints/best.ckpt")).tensors().get(ClassifierHead.KERNEL).values();
    float[] kernel = CheckpointStore.read(next.resolve("checkpoints/last.ckpt")).tensors().get(ClassifierHead.KERNEL).values();
    org.junit.jupiter.api.Assertions.assertArrayEquals(sourceKernel, kernel, 1e-5f);
    assertEquals(run.toString(), JtuneJson.MAPPER.readTree(next.resolve("provenance.json").toFile()).get("init_from").asText());

    Path out = dir.resolve("runs").resolve("bad-init");
    assertUserError("pass --pooling mean", "train", "--model", encoder.toString(), "--data", data.toString(),
        "--out", out.resolve("a").toString(), "--init-from", run.toString(), "--pooling", "cls", "--max-seq-len", "32", "--no-progress");
    assertUserError("pass --set head.layers=2", "train", "--model", encoder.toString(), "--data", data.toString(),
        "--out", out.resolve("b").toString(), "--init-from", run.toString(), "--set", "head.layers=1", "--max-seq-len", "32",
        "--no-progress");
    assertUserError("not a finished run", "train", "--model", encoder.toString(), "--data", data.toString(),
        "--out", out.resolve("c").toString(), "--init-from", data.toString(), "--max-seq-len", "32", "--no-progress");
    assertTrue(!Files.exists(out), "a refused run writes nothing");
  }

  private static String[] err(String... args) {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true));
    int code;
    try {
      code = Main.run(args);
    } finally {
      System.setErr(old);
    }
    return new String[] {Integer.toString(code), buf.toString().strip()};
  }

  private static void assertUserError(String expectedPart, String... args) {
    String[] r = err(args);
    assertEquals("2", r[0], r[1]);
    assertEquals(1, r[1].lines().count(), "one line: " + r[1]);
    assertTrue(r[1].contains(expectedPart), r[1]);
  }

  @Test
  void badInputIsOneClearLineAndExitTwo() throws Exception {
    Path out = dir.resolve("runs").resolve("bad");
    // max_seq_len above the encoder's 64 positions
    assertUserError("above the 64 positions", "train", "--model", encoder.toString(), "--data", data.toString(),
        "--out", out.resolve("a").toString(), "--max-seq-len", "100", "--no-progress");
    // not a SavedModel
    Path empty = Files.createDirectories(dir.resolve("not-a-model"));
    assertUserError("no saved_model.pb", "train", "--model", empty.toString(), "--data", data.toString(),
        "--out", out.resolve("b").toString(), "--max-seq-len", "32", "--no-progress");
    // a label in val that train never has
    Path skew = TinyRunFixture.dataset(dir.resolve("skew"), 20, 10, 10);
    Files.writeString(skew.resolve("train.csv"), "text,label\nw8 w9,plain\nw10 w11,plain\n");
    assertUserError("never in train.csv", "train", "--model", encoder.toString(), "--data", skew.toString(),
        "--out", out.resolve("c").toString(), "--max-seq-len", "32", "--no-progress");
    // empty train split
    Files.writeString(skew.resolve("train.csv"), "text,label\n");
    assertUserError("train split is empty", "train", "--model", encoder.toString(), "--data", skew.toString(),
        "--out", out.resolve("d").toString(), "--max-seq-len", "32", "--no-progress");
    // an existing run is not overwritten silently
    assertUserError("holds a finished run; pass --force to replace it", "train", "--model", encoder.toString(), "--data", data.toString(),
        "--out", run.toString(), "--no-progress");
    assertUserError("head.pooling", "train", "--set", "head.pooling=max", "--out", out.resolve("e").toString());
  }

  // ---- where train and evaluate may write (issue: data loss) -----------------------------------

  private static CliRun train(Path out, String... more) {
    List<String> args = new ArrayList<>(List.of("train", "--model", encoder.toString(), "--data", data.toString(), "--out", out.toString(),
        "--lr", "0.01", "--batch-size", "16", "--max-seq-len", "32", "--no-progress"));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  @Test
  void trainNeverWritesIntoAFolderOfTheUsers() throws Exception {
    Path out = dir.resolve("mine/userdir");
    UserFiles user = UserFiles.beside(out).and(UserFiles.inside(out));
    train(out).assertRefused(out + ": folder exists and was not written by jtune");
    train(out, "--force").assertRefused(out + ": folder exists and was not written by jtune");
    train(out, "--resume").assertRefused(out + ": folder exists and was not written by jtune");
    user.assertUnchanged();
    UserFiles.assertNoTemporaries(out);
  }

  @Test
  void resumeOnAFolderThatDoesNotExistIsAnError() {
    Path out = dir.resolve("runs/never-started");
    train(out, "--resume").assertRefused(out + ": no run to resume (the folder does not exist); drop --resume to start a new run");
    assertFalse(Files.exists(out));
  }

  @Test
  void theRunFolderMayNotBeOrHoldAnInput() throws Exception {
    train(data).assertRefused(data + ": is the input " + data);
    train(dir).assertRefused(dir + ": holds the input ");
    train(data.resolve("run")).assertRefused("is inside the input folder " + data);
    train(encoder.resolve("run")).assertRefused("is inside the input folder " + encoder);
    assertFalse(Files.exists(data.resolve("run")));
  }

  @Test
  void aConfigValueThatDoesNotFitTheLabelsWritesNothing() throws Exception {
    Path config = Files.writeString(dir.resolve("weights.json"), "{\"loss\": {\"class_weights\": [1.0]}}");
    Path out = dir.resolve("runs/weights");
    train(out, "--config", config.toString()).assertRefused("loss.class_weights has 1 value but the dataset has 2 labels");
    assertFalse(Files.exists(out), "no run folder before every check has passed");
    train(config, "--config", config.toString()).assertRefused("is the input " + config);
  }

  @Test
  void forceReplacesAFinishedRunAndKeepsWhatTheUserAdded() throws Exception {
    Path out = dir.resolve("runs/again");
    train(out, "--epochs", "1").assertOk();
    UserFiles user = UserFiles.beside(out).and(UserFiles.inside(out));
    train(out, "--epochs", "1").assertRefused(out + ": holds a finished run; pass --force to replace it (files you added are kept), "
        + "--resume to continue it, or choose another --out");
    user.assertUnchanged();
    train(out, "--epochs", "2", "--force").assertOk();
    user.assertUnchanged();
    Manifest m = Manifest.read(Manifest.fileIn(out)).orElseThrow();
    assertTrue(m.complete());
    assertEquals(List.of("sub", "thesis.txt"), m.extras(out));
    assertEquals(java.util.Optional.empty(), m.difference(out, true));
    assertEquals(2, TrainingConfig.read(out.resolve("config.json")).loop().epochs());
    UserFiles.assertNoTemporaries(out);
    UserFiles.assertNoTemporaries(out.resolve("checkpoints"));
  }

  @Test
  void evaluateReplacesOnlyTheReportsItWrote() throws Exception {
    Path report = run.resolve("evaluation-toy-val.md");
    UserFiles user = UserFiles.beside(run).and(new UserFiles().put(run.resolve("my-notes.txt"), "mine".getBytes()));
    CliRun.of("evaluate", "--run", run.toString(), "--split", "val").assertOk();
    CliRun.of("evaluate", "--run", run.toString(), "--split", "val").assertOk(); // its own report: replaced
    assertTrue(Manifest.read(Manifest.fileIn(run)).orElseThrow().paths().containsAll(
        List.of("evaluation-toy-val.json", "evaluation-toy-val.md", "evaluation-toy-val-confusion.png")));
    Files.writeString(report, "\nmy comment\n", java.nio.file.StandardOpenOption.APPEND);
    UserFiles edited = UserFiles.existing(report);
    CliRun.of("evaluate", "--run", run.toString(), "--split", "val")
        .assertRefused(report + ": was written by jtune but changed since; pass --force to replace it or move it away");
    edited.assertUnchanged();
    CliRun.of("evaluate", "--run", run.toString(), "--split", "val", "--force").assertOk();
    assertFalse(Files.readString(report).contains("my comment"));

    // a file of the user's that has the name of a report
    Path csv = Files.writeString(dir.resolve("mine.csv"), "text,label\nw7 w9 w10,marked\nw8 w9,plain\n");
    Path own = run.resolve("evaluation-mine.json");
    UserFiles users = new UserFiles().put(own, "{\"mine\": true}".getBytes());
    CliRun.of("evaluate", "--run", run.toString(), "--csv", csv.toString(), "--force")
        .assertRefused(own + ": was not written by jtune (not recorded in ");
    users.assertUnchanged();
    user.assertUnchanged();
    Files.delete(own);
    Files.delete(run.resolve("my-notes.txt"));
  }
}
