package dev.jtune.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.jtune.artifact.Pooling;
import dev.jtune.export.ir.GraphLowering;
import dev.jtune.export.ir.InferenceIr;
import dev.jtune.export.onnx.OnnxWriter;
import dev.jtune.export.tflite.TflitePrecision;
import dev.jtune.export.tflite.TfliteWriter;
import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.Model;
import org.tensorflow.lite.schema.Operator;
import org.tensorflow.lite.schema.SubGraph;

/**
 * A classifier over an encoder whose layers have different head counts and FFN widths (as after
 * structured pruning) goes through the exporters like any other: ONNX Runtime computes what
 * TensorFlow computes, and the TFLite file holds each layer's own dense shapes. (Its TFLite run in
 * LiteRT.js is in {@link TfliteLiteRtTest}.)
 */
class PrunedLayersExportTest {

  @org.junit.jupiter.params.ParameterizedTest(name = "layer 1 without heads: {0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void onnxOfAPrunedEncoderClassifierMatchesTensorFlowOnDynamicShapes(boolean headless) throws Exception {
    try (InferenceModel m = TinyClassifier.build(headless ? TinyClassifier.HEADLESS_LAYER : TinyClassifier.PRUNED, Pooling.CLS, 31)) {
      InferenceIr ir = GraphLowering.lower(m.graph(), m.session(), m.inputOps(), m.outputTensors(), null);
      byte[] onnx = OnnxWriter.write(ir, "pruned", "test");
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      Random r = new Random(32);
      try (OrtSession s = env.createSession(onnx, new OrtSession.SessionOptions())) {
        for (int[] bs : new int[][] {{1, 5}, {3, 9}, {4, 16}}) {
          int[][] rows = TinyClassifier.tokenRows(r, bs[0], bs[1]);
          float[][] want = m.probabilities(bs[0], bs[1], rows[0], rows[1], rows[2]);
          long[] shape = {bs[0], bs[1]};
          try (OnnxTensor a = OnnxTensor.createTensor(env, IntBuffer.wrap(rows[0]), shape);
              OnnxTensor b = OnnxTensor.createTensor(env, IntBuffer.wrap(rows[1]), shape);
              OnnxTensor c = OnnxTensor.createTensor(env, IntBuffer.wrap(rows[2]), shape);
              OrtSession.Result res = s.run(Map.of("input_word_ids", a, "input_mask", b, "input_type_ids", c))) {
            float[][] got = (float[][]) res.get("probabilities").orElseThrow().getValue();
            double diff = TinyClassifier.maxAbsDiff(want, got);
            assertTrue(diff <= 1e-5, Arrays.toString(bs) + ": ONNX Runtime differs from TensorFlow by " + diff);
          }
        }
      }
    }
  }

  @Test
  void tfliteOfAPrunedEncoderHoldsEachLayersDenseShapes() throws Exception {
    try (InferenceModel m = TinyClassifier.build(TinyClassifier.PRUNED, Pooling.CLS, 33)) {
      InferenceIr ir = GraphLowering.lower(m.graph(), m.session(), m.inputOps(), m.outputTensors(), new GraphLowering.FixedShape(1, 16));
      Model model = Model.getRootAsModel(ByteBuffer.wrap(TfliteWriter.write(ir, TflitePrecision.FLOAT32, "test")));
      SubGraph g = model.subgraphs(0);
      List<String> weights = new ArrayList<>();
      for (int i = 0; i < g.operatorsLength(); i++) {
        Operator op = g.operators(i);
        if (model.operatorCodes((int) op.opcodeIndex()).builtinCode() != BuiltinOperator.FULLY_CONNECTED) continue;
        var w = g.tensors((int) op.inputs(1));
        weights.add(w.shapeLength() == 2 ? w.shape(0) + "x" + w.shape(1) : "?");
      }
      // FULLY_CONNECTED weights are [out, in]; head size 8: layer 0 has 3 heads (24) and FFN 48,
      // layer 1 one head (8) and FFN 40; then the pooler and the classifier
      assertEquals(List.of("24x32", "24x32", "24x32", "32x24", "48x32", "32x48",
          "8x32", "8x32", "8x32", "32x8", "40x32", "32x40", "32x32", "3x32"), weights);
    }
    // a layer without heads has no attention matmuls at all
    try (InferenceModel m = TinyClassifier.build(TinyClassifier.HEADLESS_LAYER, Pooling.CLS, 33)) {
      InferenceIr ir = GraphLowering.lower(m.graph(), m.session(), m.inputOps(), m.outputTensors(), new GraphLowering.FixedShape(1, 16));
      Model model = Model.getRootAsModel(ByteBuffer.wrap(TfliteWriter.write(ir, TflitePrecision.FLOAT32, "test")));
      SubGraph g = model.subgraphs(0);
      List<String> weights = new ArrayList<>();
      for (int i = 0; i < g.operatorsLength(); i++) {
        Operator op = g.operators(i);
        if (model.operatorCodes((int) op.opcodeIndex()).builtinCode() != BuiltinOperator.FULLY_CONNECTED) continue;
        var w = g.tensors((int) op.inputs(1));
        weights.add(w.shape(0) + "x" + w.shape(1));
      }
      assertEquals(List.of("24x32", "24x32", "24x32", "32x24", "48x32", "32x48", "40x32", "32x40", "32x32", "3x32"), weights);
    }
  }
}
