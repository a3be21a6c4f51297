package dev.jtune.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.Pooling;
import dev.jtune.data.LabeledText;
import dev.jtune.data.PreparedDataset;
import dev.jtune.data.TokenBatch;
import dev.jtune.eval.ClassificationMetrics;
import dev.jtune.model.BertConfig;
import dev.jtune.model.ClassifierSavedModel;
import dev.jtune.model.EncoderWeights;
import dev.jtune.predict.SavedModelPredictor;
import dev.jtune.predict.TextClassifier;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.ndarray.Shape;

/**
 * What {@code jtune train} hands to {@code jtune export}: a run folder whose {@code model/} is
 * written by the trainer's own writer ({@link ClassifierSavedModel#write}), read back by the
 * exporter value for value and exported to a SavedModel that answers exactly like it.
 */
class TrainToExportHandOffTest {
  @TempDir static Path tmp;
  static Path run;
  static Path data;

  @BeforeAll
  static void fixture() throws Exception {
    run = TinyRunFixture.create(tmp.resolve("runs/handoff"), BertConfig.Pooler.DENSE, "mean", 2, 13);
    data = TinyRunFixture.dataset(tmp.resolve("runs/data"), 30, 4);
  }

  @Test
  void theExporterReadsBackExactlyWhatTheTrainerWrote() {
    BertConfig config = BertConfig.tiny(BertConfig.Pooler.DENSE);
    EncoderWeights written = TinyRunFixture.randomEncoder(config, 13);
    TrainedRun read = TrainedRun.load(run);
    assertEquals(config, read.config());
    assertEquals(new ClassifierSpec(Pooling.MEAN, 2, TinyRunFixture.LABELS, TinyRunFixture.MAX_SEQ_LEN), read.classifier());
    assertEquals(written.names(), read.model().encoderWeights().names());
    for (String name : written.names()) {
      assertArrayEquals(written.get(name).values(), read.model().encoderWeights().get(name).values(), 0f, name);
    }
    assertEquals(Shape.of(2L * config.hiddenSize(), 3), read.model().headKernel().shape());
    java.util.Random r = new java.util.Random(13); // as TinyRunFixture draws the head
    float[] kernel = new float[2 * config.hiddenSize() * 3];
    for (int i = 0; i < kernel.length; i++) kernel[i] = (float) (r.nextGaussian() * 0.5);
    assertArrayEquals(kernel, read.model().headKernel().values(), 0f);
    assertArrayEquals(new float[] {0.1f, -0.2f, 0.05f}, read.model().headBias().values(), 0f);
    assertEquals(0, read.model().foldedMasks());
    assertEquals("handoff", read.name());
  }

  @Test
  void theInferenceGraphAnswersExactlyLikeTheRunsModel() {
    List<int[]> rows = List.of(new int[] {2, 9, 10, 3}, new int[] {2, 50, 51, 52, 53, 54, 3}, new int[] {2, 3});
    TokenBatch b = TokenBatch.of(rows);
    try (SavedModelPredictor trained = SavedModelPredictor.load(run.resolve("model")); InferenceModel m = InferenceModel.of(TrainedRun.load(run))) {
      float[] want = trained.probabilities(b);
      float[][] got = m.probabilities(b.size(), b.seqLen(), b.inputWordIds(), b.inputMask(), b.inputTypeIds());
      for (int i = 0; i < rows.size(); i++) assertArrayEquals(java.util.Arrays.copyOfRange(want, 3 * i, 3 * i + 3), got[i], 0f, "row " + i);
    }
  }

  @Test
  void theExportedSavedModelAgreesExactlyAndItsParityScoresAreEvaluatesScores() throws Exception {
    ExportConfig c = ExportConfig.of(run).withOut(tmp.resolve("exports")).withFormats("savedmodel").toBuilder().data(data).build();
    ExportReport report = ModelExporter.export(c, new PrintWriter(new StringWriter())).report();
    assertEquals(List.of("training graph", "savedmodel"), report.artifacts().stream().map(ExportReport.Artifact::artifact).toList());
    ExportReport.Artifact saved = report.artifacts().get(1);
    assertEquals(0.0, saved.maxAbsDiff(), "the same graph and values: the same probabilities");
    assertEquals(1.0, saved.labelAgreement());
    assertEquals(true, saved.checkPassed());

    // the parity set's accuracy and macro-F1 are what jtune evaluate's metrics say of the run's model
    List<LabeledText> test = PreparedDataset.load(data).split("test");
    ClassificationMetrics m;
    try (TextClassifier classifier = TextClassifier.load(run.resolve("model"))) {
      m = ClassificationMetrics.fromProbabilities(classifier.probabilities(test.stream().map(LabeledText::text).toList(), 8),
          test.stream().mapToInt(LabeledText::label).toArray(), classifier.labels());
    }
    assertEquals(30, report.examples());
    assertEquals(m.accuracy(), report.artifacts().get(0).accuracy());
    assertEquals(m.macroF1(), report.artifacts().get(0).macroF1());
    assertEquals(m.accuracy(), saved.accuracy());
  }
}
