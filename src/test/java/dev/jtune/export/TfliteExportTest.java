package dev.jtune.export;

import dev.jtune.artifact.ClassifierTensors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.artifact.Pooling;
import dev.jtune.export.ir.ConstantTensor;
import dev.jtune.export.ir.GraphLowering;
import dev.jtune.export.ir.InferenceIr;
import dev.jtune.export.ir.IrNode;
import dev.jtune.export.ir.OpKind;
import dev.jtune.export.tflite.TflitePrecision;
import dev.jtune.export.tflite.TfliteWriter;
import dev.jtune.model.BertConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.Model;
import org.tensorflow.lite.schema.Operator;
import org.tensorflow.lite.schema.SignatureDef;
import org.tensorflow.lite.schema.SubGraph;
import org.tensorflow.lite.schema.Tensor;
import org.tensorflow.lite.schema.TensorType;

/**
 * The .tflite files of a tiny classifier read back with the TFLite schema classes, no runtime
 * needed: the serving signature and its fixed shapes, the builtin operators of each variant, and
 * every dense weight stored as the variant says with the values of the TensorFlow graph. Running
 * them in a TFLite runtime is {@link TfliteLiteRtTest}.
 */
class TfliteExportTest {
  static final int SEQ = 16;

  @Test
  void everyVariantIsAServingSignatureOverBuiltinOpsWithTheGraphsWeights() throws Exception {
    try (InferenceModel m = TinyClassifier.build(BertConfig.tiny(BertConfig.Pooler.MEAN), Pooling.MEAN, 3)) {
      InferenceIr ir = GraphLowering.lower(m.graph(), m.session(), m.inputOps(), m.outputTensors(), new GraphLowering.FixedShape(1, SEQ));
      Map<String, float[]> kernels = new TreeMap<>();
      for (IrNode n : ir.nodes()) if (n.kind() == OpKind.DENSE) kernels.put(n.input(1), transposed(ir.constant(n.input(1))));
      assertEquals(13, kernels.size(), "6 dense layers in each of 2 layers, then the classifier");
      Map<TflitePrecision, Integer> sizes = new TreeMap<>();
      for (TflitePrecision p : TflitePrecision.values()) {
        byte[] file = TfliteWriter.write(ir, p, "tiny " + p.label());
        sizes.put(p, file.length);
        Model model = Model.getRootAsModel(ByteBuffer.wrap(file));
        assertEquals(3, model.version());
        assertEquals("tiny " + p.label(), model.description());
        assertEquals(1, model.subgraphsLength());
        SubGraph g = model.subgraphs(0);
        assertServingSignature(model, g);
        assertEquals(expectedOps(p), opCounts(model, g), p.label());
        for (var k : kernels.entrySet()) assertDenseWeight(model, g, p, k.getKey(), k.getValue());
      }
      // float16 halves the large weights, int8 quarters them (small tensors stay float32 in both)
      assertTrue(sizes.get(TflitePrecision.FLOAT16) < sizes.get(TflitePrecision.FLOAT32), sizes.toString());
      assertTrue(sizes.get(TflitePrecision.INT8) < sizes.get(TflitePrecision.FLOAT16), sizes.toString());
    }
  }

  /** serving_default maps the three int32 [1, SEQ] inputs and the float32 [1, 3] logits and probabilities to the subgraph's tensors. */
  private static void assertServingSignature(Model model, SubGraph g) {
    assertEquals(1, model.signatureDefsLength());
    SignatureDef sig = model.signatureDefs(0);
    assertEquals("serving_default", sig.signatureKey());
    assertEquals(0, sig.subgraphIndex());
    List<String> inputs = new ArrayList<>();
    for (int i = 0; i < sig.inputsLength(); i++) {
      inputs.add(sig.inputs(i).name());
      assertEquals(g.inputs(i), sig.inputs(i).tensorIndex());
      Tensor t = g.tensors((int) sig.inputs(i).tensorIndex());
      assertEquals(sig.inputs(i).name(), t.name());
      assertEquals(TensorType.INT32, t.type());
      assertEquals(List.of(1, SEQ), shape(t));
    }
    assertEquals(ClassifierTensors.INPUTS, inputs);
    List<String> outputs = new ArrayList<>();
    for (int i = 0; i < sig.outputsLength(); i++) {
      outputs.add(sig.outputs(i).name());
      assertEquals(g.outputs(i), sig.outputs(i).tensorIndex());
      Tensor t = g.tensors((int) sig.outputs(i).tensorIndex());
      assertEquals(TensorType.FLOAT32, t.type());
      assertEquals(List.of(1, TinyClassifier.LABELS), shape(t));
    }
    assertEquals(List.of(ClassifierTensors.LOGITS, ClassifierTensors.PROBABILITIES), outputs);
  }

  /**
   * The operators of the tiny MEAN-pooled classifier at [1, 16]: 13 FULLY_CONNECTED, 2 GELU, 2
   * BATCH_MATMUL and 1 SOFTMAX per layer plus the output softmax; float16 reads each of the 12
   * large kernels and the gathered word-embedding rows through DEQUANTIZE; int8 runs the kernels as
   * hybrid FULLY_CONNECTED and dequantizes the gathered int8 rows with their gathered row scales.
   */
  private static Map<String, Integer> expectedOps(TflitePrecision p) {
    Map<String, Integer> ops = new TreeMap<>(Map.of("FULLY_CONNECTED", 13, "GELU", 2, "BATCH_MATMUL", 4, "SOFTMAX", 3));
    switch (p) {
      case FLOAT32 -> {}
      case FLOAT16 -> ops.put("DEQUANTIZE", 12 + 1);
      case INT8 -> ops.put("DEQUANTIZE", 1);
    }
    return ops;
  }

  private static Map<String, Integer> opCounts(Model model, SubGraph g) {
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < g.operatorsLength(); i++) {
      int code = model.operatorCodes((int) g.operators(i).opcodeIndex()).builtinCode();
      assertTrue(code != BuiltinOperator.CUSTOM, "only builtin operators");
      String name = BuiltinOperator.name(code);
      if (List.of("FULLY_CONNECTED", "GELU", "BATCH_MATMUL", "SOFTMAX", "DEQUANTIZE").contains(name)) counts.merge(name, 1, Integer::sum);
    }
    return counts;
  }

  /**
   * The FULLY_CONNECTED of {@code kernel} holds it as [out, in]: exactly in float32, rounded to
   * the nearest float16 in float16 (read through a DEQUANTIZE; small kernels stay float32), within
   * half a step of its per-output-channel scale in int8.
   */
  private static void assertDenseWeight(Model model, SubGraph g, TflitePrecision p, String kernel, float[] want) {
    Operator fc = null;
    Tensor weights = null;
    for (int i = 0; i < g.operatorsLength() && fc == null; i++) {
      Operator op = g.operators(i);
      if (op.inputsLength() < 2) continue;
      Tensor w = g.tensors(op.inputs(1));
      if (w.name().equals(kernel + "/fc_weights")) {
        fc = op;
        weights = w;
      }
    }
    assertTrue(fc != null, "no FULLY_CONNECTED reads " + kernel);
    assertEquals(BuiltinOperator.FULLY_CONNECTED, model.operatorCodes((int) fc.opcodeIndex()).builtinCode());
    // float16 stores weights of 1024 values or more (the classifier's 96 stay float32)
    TflitePrecision stored = p == TflitePrecision.FLOAT16 && want.length < 1024 ? TflitePrecision.FLOAT32 : p;
    if (stored == TflitePrecision.FLOAT16) {
      Operator deq = producer(g, fc.inputs(1));
      assertEquals(BuiltinOperator.DEQUANTIZE, model.operatorCodes((int) deq.opcodeIndex()).builtinCode());
      weights = g.tensors(deq.inputs(0));
    }
    ByteBuffer data = model.buffers((int) weights.buffer()).dataAsByteBuffer().slice().order(ByteOrder.LITTLE_ENDIAN);
    switch (stored) {
      case FLOAT32 -> {
        assertEquals(TensorType.FLOAT32, weights.type());
        for (int i = 0; i < want.length; i++) assertEquals(want[i], data.getFloat(4 * i), kernel);
      }
      case FLOAT16 -> {
        assertEquals(TensorType.FLOAT16, weights.type());
        for (int i = 0; i < want.length; i++) {
          float got = half(data.getShort(2 * i));
          assertEquals(want[i], got, Math.max(Math.abs(want[i]) * 0x1p-11f, 0x1p-25f), kernel + "[" + i + "]");
        }
      }
      case INT8 -> {
        assertEquals(TensorType.INT8, weights.type());
        int out = weights.shape(0), in = weights.shape(1);
        assertEquals(out, weights.quantization().scaleLength(), "one scale per output channel");
        for (int c = 0; c < out; c++) {
          float scale = weights.quantization().scale(c);
          for (int j = 0; j < in; j++) {
            assertEquals(want[c * in + j], data.get(c * in + j) * scale, scale / 2 + 1e-7, kernel + "[" + c + "," + j + "]");
          }
        }
      }
    }
  }

  private static Operator producer(SubGraph g, int tensor) {
    for (int i = 0; i < g.operatorsLength(); i++) {
      Operator op = g.operators(i);
      for (int o = 0; o < op.outputsLength(); o++) if (op.outputs(o) == tensor) return op;
    }
    throw new AssertionError("no operator writes tensor " + g.tensors(tensor).name());
  }

  /** A [in, out] kernel as [out, in], the layout of FULLY_CONNECTED weights. */
  private static float[] transposed(ConstantTensor k) {
    int in = (int) k.shape()[0], out = (int) k.shape()[1];
    float[] v = k.floats(), t = new float[v.length];
    for (int r = 0; r < in; r++) for (int c = 0; c < out; c++) t[c * in + r] = v[r * out + c];
    return t;
  }

  private static List<Integer> shape(Tensor t) {
    List<Integer> s = new ArrayList<>();
    for (int i = 0; i < t.shapeLength(); i++) s.add(t.shape(i));
    return s;
  }

  /** IEEE binary16 to float. */
  private static float half(short h) {
    int exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
    float magnitude = exp == 0 ? mant * 0x1p-24f : (1 + mant / 1024f) * (float) Math.pow(2, exp - 15);
    return (h & 0x8000) != 0 ? -magnitude : magnitude;
  }
}
