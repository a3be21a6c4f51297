package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jtune.artifact.JtuneJson;
import dev.jtune.cli.Main;
import dev.jtune.data.LabeledText;
import dev.jtune.data.PreparedDataset;
import dev.jtune.export.ExportConfig;
import dev.jtune.export.ExportReport;
import dev.jtune.export.ModelExporter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compression on real weights and real data: a frozen all-MiniLM-L6-v2 run on a slice of
 * SpamAssassin is pruned (gradient importance, 30% of heads and FFN neurons) and distilled into its
 * own encoder cut to 3 layers; both still classify spam, and the pruned model's ONNX export agrees
 * with TensorFlow.
 */
@Tag("real")
class RealCompressionTest {
  @TempDir Path dir;

  @Test
  void aPrunedAndADistilledMiniLmStillClassifySpam() throws IOException {
    assumeFalse("false".equals(System.getProperty("jtune.test.real")), "real-data tests switched off");
    Path encoder = Path.of("savedmodels", "all-minilm-l6-v2");
    Path spam = Path.of("datasets", "spamassassin");
    assertTrue(Files.isRegularFile(encoder.resolve("saved_model.pb")), encoder + " missing: run `make savedmodels` first");
    assertTrue(Files.isRegularFile(spam.resolve("labels.txt")), spam + " missing: run `make datasets` first");
    PreparedDataset full = PreparedDataset.load(spam);
    Path slice = dir.resolve("spam-slice");
    Files.createDirectories(slice);
    Files.write(slice.resolve("labels.txt"), full.labels());
    writeCsv(slice.resolve("train.csv"), full.split("train").subList(0, 200), full.labels());
    writeCsv(slice.resolve("val.csv"), full.split("val").subList(0, 80), full.labels());
    writeCsv(slice.resolve("test.csv"), full.split("test").subList(0, 80), full.labels());
    String[] common = {"--data", slice.toString(), "--max-seq-len", "96", "--epochs", "6", "--no-progress", "--no-baseline"};

    Path run = dir.resolve("runs").resolve("spam");
    assertEquals(0, Main.run(concat(new String[] {"train", "--model", encoder.toString(), "--out", run.toString()}, common)));
    Path pruned = dir.resolve("runs").resolve("pruned");
    assertEquals(0, Main.run("prune", "--run", run.toString(), "--heads", "0.3", "--ffn", "0.3", "--set", "pruning.importance_examples=64",
        "--epochs", "6", "--out", pruned.toString(), "--no-progress"));
    JsonNode p = JtuneJson.MAPPER.readTree(pruned.resolve("metrics.json").toFile());
    assertEquals("[72,50]", p.at("/pruning/heads").toString(), "30% of MiniLM's 6 x 12 heads removed");
    assertTrue(p.at("/test/macro_f1").asDouble() > 0.8, p.at("/test").toString());

    Path student = dir.resolve("runs").resolve("student");
    assertEquals(0, Main.run(concat(new String[] {"distill", "--teacher", run.toString(), "--student-layers", "3", "--out",
        student.toString()}, common)));
    JsonNode d = JtuneJson.MAPPER.readTree(student.resolve("metrics.json").toFile());
    assertTrue(d.at("/test/macro_f1").asDouble() > 0.7, d.at("/test").toString());
    assertEquals(3, JtuneJson.MAPPER.readTree(student.resolve("model/assets/bert_config.json").toFile()).get("num_hidden_layers").asInt());

    ExportConfig c = ExportConfig.builder(pruned).baseDir(dir.resolve("exports")).formats(dev.jtune.export.ExportFormat.parseList("onnx"))
        .parity(true).data(slice).split("test").limit(32).batchSize(16).build();
    for (ExportReport.Artifact a : ModelExporter.export(c, new PrintWriter(new StringWriter())).report().artifacts()) {
      if (a.maxAbsDiff() != null) assertTrue(a.maxAbsDiff() <= 1e-4, a.artifact() + ": " + a.maxAbsDiff());
    }
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static void writeCsv(Path file, List<LabeledText> rows, List<String> labels) throws IOException {
    try (Writer w = Files.newBufferedWriter(file);
        CSVPrinter p = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setHeader("text", "label").get())) {
      for (LabeledText t : rows) p.printRecord(t.text(), labels.get(t.label()));
    }
  }
}
