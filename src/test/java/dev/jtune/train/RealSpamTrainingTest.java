package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.jtune.data.LabeledText;
import dev.jtune.data.PreparedDataset;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The frozen default on real weights and real data: all-MiniLM-L6-v2 (imported by make savedmodels)
 * on a small slice of the prepared SpamAssassin corpus (make datasets).
 */
@Tag("real")
class RealSpamTrainingTest {
  @TempDir Path dir;

  @Test
  void frozenMiniLmLearnsSpamFromASmallRealSlice() throws IOException {
    assumeFalse("false".equals(System.getProperty("jtune.test.real")), "real-data tests switched off");
    Path encoder = Path.of("savedmodels", "all-minilm-l6-v2");
    Path spam = Path.of("datasets", "spamassassin");
    assertTrue(Files.isRegularFile(encoder.resolve("saved_model.pb")), encoder + " missing: run `make savedmodels` first");
    assertTrue(Files.isRegularFile(spam.resolve("labels.txt")), spam + " missing: run `make datasets` first");

    PreparedDataset full = PreparedDataset.load(spam);
    Path slice = dir.resolve("spam-slice");
    Files.createDirectories(slice);
    Files.write(slice.resolve("labels.txt"), full.labels());
    writeCsv(slice.resolve("train.csv"), full.split("train").subList(0, 400), full.labels());
    writeCsv(slice.resolve("val.csv"), full.split("val").subList(0, 120), full.labels());
    writeCsv(slice.resolve("test.csv"), full.split("test").subList(0, 120), full.labels());

    TrainingConfig c = TrainingConfig.resolve(null, Map.of("model", encoder.toString(), "data", slice.toString(), "loop.epochs", 4));
    TrainingRun.Summary s = TrainingRun.run(c, dir.resolve("run"), false, false);
    assertTrue(s.test().macroF1() > 0.85, "test macro-F1 " + s.test().macroF1());
    assertTrue(Files.isRegularFile(dir.resolve("run/model/saved_model.pb")));
  }

  private static void writeCsv(Path file, List<LabeledText> rows, List<String> labels) throws IOException {
    try (Writer w = Files.newBufferedWriter(file);
        CSVPrinter p = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setHeader("text", "label").get())) {
      for (LabeledText t : rows) p.printRecord(t.text(), labels.get(t.label()));
    }
  }
}
