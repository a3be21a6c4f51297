package dev.jtune.export;

import static org.junit.jupiter.api.Assertions.*;

import dev.jtune.export.ir.GraphLowering;
import dev.jtune.export.ir.InferenceIr;
import dev.jtune.export.tflite.TflitePrecision;
import dev.jtune.export.tflite.TfliteWriter;
import dev.jtune.model.BertConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfliteExportTest {
  @TempDir Path tmp;

  @Test
  void everyVariantRunsInLiteRtCloseToTensorFlow() throws Exception {
    LiteRtRuntime litert = LiteRtInstall.require();
    TrainedRun run = TrainedRun.load(TinyRunFixture.create(tmp.resolve("run"), BertConfig.Pooler.MEAN, "mean", 3));
    int rows = 6, seq = TinyRunFixture.MAX_SEQ_LEN;
    int[][] in = TinyRunFixture.randomRows(rows, seq, 100, 11);
    try (InferenceModel m = InferenceModel.of(run)) {
      float[][] want = m.probabilities(rows, seq, in[0], in[1], in[2]);
      InferenceIr ir = GraphLowering.lower(m.graph(), m.session(), m.inputOps(), m.outputTensors(), new GraphLowering.FixedShape(1, seq));
      for (TflitePrecision p : TflitePrecision.values()) {
        Path file = tmp.resolve("model-" + p.label() + ".tflite");
        Files.write(file, TfliteWriter.write(ir, p, "test"));
        LiteRtRuntime.Run r = litert.run(file, Map.of("input_word_ids", in[0], "input_mask", in[1], "input_type_ids", in[2]), rows, seq, "probabilities");
        double max = 0;
        for (int i = 0; i < rows; i++) for (int j = 0; j < 3; j++) max = Math.max(max, Math.abs(want[i][j] - r.outputs()[i][j]));
        System.out.printf("%s: %d bytes, max |diff| %.2e%n", p, Files.size(file), max);
        double tol = switch (p) { case FLOAT32 -> 1e-5; case FLOAT16 -> 1e-2; case INT8 -> 5e-2; };
        assertTrue(max <= tol, p + " max diff " + max);
      }
    }
  }
}
