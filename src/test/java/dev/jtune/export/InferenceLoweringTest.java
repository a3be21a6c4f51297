package dev.jtune.export;

import static org.junit.jupiter.api.Assertions.*;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.jtune.export.ir.GraphLowering;
import dev.jtune.export.ir.InferenceIr;
import dev.jtune.export.ir.OpKind;
import dev.jtune.export.onnx.OnnxWriter;
import dev.jtune.model.BertConfig;
import java.nio.IntBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InferenceLoweringTest {
  @TempDir Path tmp;

  @Test
  void onnxMatchesTensorFlowOnDynamicShapes() throws Exception {
    TrainedRun run = TrainedRun.load(TinyRunFixture.create(tmp.resolve("run"), BertConfig.Pooler.DENSE, "cls", 7));
    try (InferenceModel m = InferenceModel.of(run)) {
      InferenceIr ir = GraphLowering.lower(m.graph(), m.session(), m.inputOps(), m.outputTensors(), null);
      System.out.println(ir.histogram());
      assertEquals(2, ir.histogram().get(OpKind.GELU));
      byte[] onnx = OnnxWriter.write(ir, "tiny", "test");
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      try (OrtSession s = env.createSession(onnx, new OrtSession.SessionOptions())) {
        for (int[] bs : new int[][] {{1, 5}, {3, 9}, {4, 16}}) {
          int[][] rows = TinyRunFixture.randomRows(bs[0], bs[1], 100, bs[1]);
          float[][] want = m.probabilities(bs[0], bs[1], rows[0], rows[1], rows[2]);
          long[] shape = {bs[0], bs[1]};
          try (OnnxTensor a = OnnxTensor.createTensor(env, IntBuffer.wrap(rows[0]), shape);
               OnnxTensor b = OnnxTensor.createTensor(env, IntBuffer.wrap(rows[1]), shape);
               OnnxTensor c = OnnxTensor.createTensor(env, IntBuffer.wrap(rows[2]), shape);
               OrtSession.Result r = s.run(Map.of("input_word_ids", a, "input_mask", b, "input_type_ids", c))) {
            float[][] got = (float[][]) r.get("probabilities").get().getValue();
            for (int i = 0; i < bs[0]; i++) for (int j = 0; j < 3; j++) assertEquals(want[i][j], got[i][j], 1e-5);
          }
        }
      }
    }
  }
}
