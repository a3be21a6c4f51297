package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jtune.artifact.JtuneJson;
import dev.jtune.cli.Main;
import dev.jtune.export.ExportConfig;
import dev.jtune.export.ExportReport;
import dev.jtune.export.ModelExporter;
import dev.jtune.model.BertConfig;
import dev.jtune.model.ClassifierSavedModel;
import dev.jtune.model.TrainedClassifier;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jtune prune} end to end on the tiny encoder: half the heads and a quarter of the neurons of
 * a finished run removed, the rest fine-tuned from the run's own head, recorded beside the unpruned
 * model, and the smaller model exported to every format with parity.
 */
class PruneRunTest {
  @TempDir static Path dir;
  static Path data, source, pruned;

  @BeforeAll
  static void trainAndPrune() throws Exception {
    Path encoder = TinyRunFixture.encoder(dir);
    data = TinyRunFixture.dataset(dir, 240, 80, 80);
    source = dir.resolve("runs").resolve("full");
    assertEquals(0, Main.run("train", "--model", encoder.toString(), "--data", data.toString(), "--out", source.toString(),
        "--epochs", "4", "--lr", "0.01", "--batch-size", "16", "--max-seq-len", "32", "--no-progress", "--no-baseline"));
    pruned = dir.resolve("runs").resolve("pruned");
    assertEquals(0, Main.run("prune", "--run", source.toString(), "--heads", "0.5", "--ffn", "0.25", "--epochs", "2",
        "--out", pruned.toString(), "--no-progress"));
  }

  @Test
  void thePrunedRunIsSmallerStartsFromTheSourceHeadAndSaysWhatItLost() throws Exception {
    TrainedClassifier model = ClassifierSavedModel.read(pruned.resolve("model"));
    BertConfig c = model.config();
    int heads = 0, ffn = 0;
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      heads += c.layerShape(l).numAttentionHeads();
      ffn += c.layerShape(l).intermediateSize();
    }
    assertEquals(4, heads);
    assertEquals(96, ffn);
    JsonNode m = JtuneJson.MAPPER.readTree(pruned.resolve("metrics.json").toFile()).get("pruning");
    assertEquals("[8,4]", m.get("heads").toString());
    assertEquals("[128,96]", m.get("ffn_neurons").toString());
    assertTrue(m.at("/encoder_parameters/1").asLong() < m.at("/encoder_parameters/0").asLong());
    assertTrue(m.get("speedup").asDouble() > 0);
    JsonNode sourceMetrics = JtuneJson.MAPPER.readTree(source.resolve("metrics.json").toFile());
    assertEquals(sourceMetrics.at("/test/macro_f1").asDouble(), m.at("/unpruned_test/macro_f1").asDouble(), 1e-6);
    JsonNode all = JtuneJson.MAPPER.readTree(pruned.resolve("metrics.json").toFile());
    assertTrue(all.at("/test/macro_f1").asDouble() > 0.7, all.at("/test").toString());
    assertEquals(source.toString(), JtuneJson.MAPPER.readTree(pruned.resolve("provenance.json").toFile()).at("/encoder/pruned_from").asText());
    assertTrue(Files.readString(pruned.resolve("report.md")).contains("## Structured pruning"));
    TrainingConfig config = TrainingConfig.read(pruned.resolve("config.json"));
    assertEquals(source.toString(), config.pruning().from());
    assertEquals(0.5, config.pruning().heads());
    assertEquals(32, config.tokens().maxSeqLen(), "the source run's recipe carries over");
    assertFalse(config.distillation().on());
  }

  @Test
  void thePrunedModelExportsToEveryFormatWithParity() throws Exception {
    ExportConfig c = ExportConfig.of(pruned).withOut(dir.resolve("exports")).withFormats("savedmodel,onnx,tflite").toBuilder().data(data).build();
    ExportReport report = ModelExporter.export(c, new PrintWriter(new StringWriter())).report();
    for (ExportReport.Artifact a : report.artifacts()) {
      if (a.maxAbsDiff() == null) continue;
      boolean reduced = a.artifact().contains("float16") || a.artifact().contains("int8");
      if (reduced) assertTrue(a.labelAgreement() >= 0.99, a.artifact() + ": label agreement " + a.labelAgreement());
      else assertTrue(a.maxAbsDiff() <= 1e-4, a.artifact() + " " + a.runtime() + ": max |diff| " + a.maxAbsDiff());
    }
    assertTrue(report.artifacts().stream().anyMatch(a -> a.artifact().contains("onnx") && a.maxAbsDiff() != null));
    assertTrue(report.artifacts().stream().anyMatch(a -> a.artifact().contains("tflite") && a.maxAbsDiff() != null));
  }

  @Test
  void magnitudePruningZeroesTheTargetShareAndTheCompressedWeightsShrink() throws Exception {
    Path sparse = dir.resolve("runs").resolve("sparse");
    assertEquals(0, Main.run("prune", "--run", source.toString(), "--sparsity", "0.8", "--frequency", "2", "--unfreeze", "all",
        "--encoder-lr", "1e-3", "--epochs", "2", "--out", sparse.toString(), "--no-progress"));
    JsonNode m = JtuneJson.MAPPER.readTree(sparse.resolve("metrics.json").toFile()).get("magnitude_pruning");
    assertEquals(0.8, m.get("target_sparsity").asDouble());
    assertEquals(0.8, m.get("achieved_sparsity").asDouble(), 1e-3);
    long[] original = dev.jtune.io.CompressedSize.ofFolder(source.resolve("model").resolve("variables"));
    assertTrue(m.get("model_variables_gzip_bytes").asLong() < 0.75 * original[1],
        m + " vs the unpruned model's " + original[1] + " gzip bytes");
    assertEquals("[8,8]", JtuneJson.MAPPER.readTree(sparse.resolve("metrics.json").toFile()).at("/pruning/heads").toString(),
        "no head removed");
  }

  @Test
  void theCompressionBenchmarkPutsTheRunsSideBySide() throws Exception {
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    java.io.PrintStream saved = System.out;
    System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
    Path md = dir.resolve("compress.md");
    try {
      assertEquals(0, Main.run("bench", "compress", "--run", source.toString(), "--run", pruned.toString(), "--data", data.toString(),
          "--limit", "20", "--markdown", md.toString()));
    } finally {
      System.setOut(saved);
    }
    JsonNode rows = JtuneJson.MAPPER.readTree(buf.toString(java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(2, rows.size());
    assertTrue(rows.get(1).get("encoder_parameters").asLong() < rows.get(0).get("encoder_parameters").asLong());
    for (JsonNode r : rows) {
      assertEquals(20, r.get("examples").asInt());
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (JsonNode a : r.get("artifacts")) {
        seen.add(a.get("artifact").asText());
        if (a.has("examples_per_second")) assertTrue(a.get("examples_per_second").asDouble() > 0, a.toString());
        if (a.has("bytes")) assertTrue(a.get("gzip_bytes").asLong() > 0 && a.get("gzip_bytes").asLong() < a.get("bytes").asLong(), a.toString());
      }
      assertTrue(seen.containsAll(java.util.List.of("savedmodel", "onnx")), seen.toString());
    }
    String table = Files.readString(md);
    assertTrue(table.contains("| pruned |") && table.contains("| full |"), table);
  }

  @Test
  void aPruneWithoutABudgetIsAClearError() {
    assertEquals(Main.EXIT_USER_ERROR, Main.run("prune", "--run", source.toString(), "--out", dir.resolve("x").toString()));
    assertFalse(Files.exists(dir.resolve("x")));
  }
}
