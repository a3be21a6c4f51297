package dev.jtune.export;

import dev.jtune.artifact.ClassifierTensors;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.artifact.Pooling;
import dev.jtune.export.ir.GraphLowering;
import dev.jtune.export.ir.InferenceIr;
import dev.jtune.export.tflite.TflitePrecision;
import dev.jtune.export.tflite.TfliteWriter;
import dev.jtune.model.BertConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The .tflite files run in a real TFLite runtime (LiteRT.js, installed by {@code make litert}) and
 * agree with TensorFlow. Tagged {@code real} like the other tests that need what {@code make test}
 * prepares, and {@code litert} to run just these ({@code mvn test -Dgroups=litert}).
 */
@Tag("real")
@Tag("litert")
class TfliteLiteRtTest {
  static final int ROWS = 6, SEQ = 16;

  @TempDir Path tmp;

  @Test
  void everyVariantRunsInLiteRtCloseToTensorFlow() throws Exception {
    LiteRtRuntime litert = InstalledLiteRt.require();
    try (InferenceModel m = TinyClassifier.build(BertConfig.tiny(BertConfig.Pooler.MEAN), Pooling.MEAN, 3)) {
      for (TflitePrecision p : TflitePrecision.values()) {
        double max = runInLiteRt(litert, m, p, new Random(11));
        double tol = switch (p) { case FLOAT32 -> 1e-5; case FLOAT16 -> 1e-2; case INT8 -> 5e-2; };
        assertTrue(max <= tol, p + " max diff " + max);
      }
    }
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "layer 1 without heads: {0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void aPrunedEncoderRunsInLiteRtAsInTensorFlow(boolean headless) throws Exception {
    LiteRtRuntime litert = InstalledLiteRt.require();
    try (InferenceModel m = TinyClassifier.build(headless ? TinyClassifier.HEADLESS_LAYER : TinyClassifier.PRUNED, Pooling.CLS, 34)) {
      double max = runInLiteRt(litert, m, TflitePrecision.FLOAT32, new Random(35));
      assertTrue(max <= 1e-5, "float32 max diff " + max);
    }
  }

  /** Largest |probability difference| between TensorFlow and LiteRT.js over ROWS random rows padded to SEQ. */
  private double runInLiteRt(LiteRtRuntime litert, InferenceModel m, TflitePrecision p, Random r) throws Exception {
    int[][] in = TinyClassifier.tokenRows(r, ROWS, SEQ);
    float[][] want = m.probabilities(ROWS, SEQ, in[0], in[1], in[2]);
    InferenceIr ir = GraphLowering.lower(m.graph(), m.session(), m.inputOps(), m.outputTensors(), new GraphLowering.FixedShape(1, SEQ));
    Path file = tmp.resolve("model-" + p.label() + ".tflite");
    Files.write(file, TfliteWriter.write(ir, p, "test"));
    LiteRtRuntime.Run run = litert.run(file, Map.of("input_word_ids", in[0], "input_mask", in[1], "input_type_ids", in[2]), ROWS, SEQ,
        ClassifierTensors.PROBABILITIES);
    double max = TinyClassifier.maxAbsDiff(want, run.outputs());
    System.out.printf("%s: %d bytes, max |diff| %.2e%n", p, Files.size(file), max);
    return max;
  }
}
