package dev.jtune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedOutputStream;
import dev.jtune.JtuneException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Import of a synthetic ONNX file laid out like a PyTorch BERT export (named biases and LayerNorms,
 * unnamed MatMul weights, attention reshapes through Concat constants, decomposed LayerNorm, Erf GELU).
 */
class OnnxEncoderImportTest {
  static final BertConfig TINY = BertConfig.tiny(BertConfig.Pooler.MEAN);

  @Test
  void mapsEveryInitializerAndInfersTheConfig() {
    EncoderWeights weights = BertEncoderTest.randomWeights(TINY, 21);
    PretrainedEncoder imported = OnnxEncoderImport.fromModel(OnnxModel.parse(new SyntheticBert(weights).bytes(), "tiny.onnx"), "tiny.onnx");
    assertEquals(TINY, imported.config());
    assertEquals(weights.names(), imported.weights().names());
    assertEquals(0, weights.maxAbsDifference(imported.weights()));
  }

  @Test
  void transposedKernelsAreTurnedToInOutLayout() {
    EncoderWeights weights = BertEncoderTest.randomWeights(TINY, 22);
    SyntheticBert onnx = new SyntheticBert(weights);
    onnx.transposeKernels = true;
    PretrainedEncoder imported = OnnxEncoderImport.fromModel(OnnxModel.parse(onnx.bytes(), "t.onnx"), "t.onnx");
    assertEquals(0, weights.maxAbsDifference(imported.weights()));
  }

  @Test
  void refusesGraphsWithoutWhatAnEncoderNeedsNamingIt() {
    EncoderWeights weights = BertEncoderTest.randomWeights(TINY, 23);
    SyntheticBert noGelu = new SyntheticBert(weights);
    noGelu.activationOp = "Relu";
    assertRefused(noGelu, "cannot infer hidden_act: no Erf (exact GELU) or Tanh (approximate GELU) in the graph");

    SyntheticBert noHeads = new SyntheticBert(weights);
    noHeads.withReshape = false;
    assertRefused(noHeads,
        "cannot infer num_attention_heads: no Reshape to [batch, seq, heads, head_size] with heads * head_size = 32");

    SyntheticBert missingMatMul = new SyntheticBert(weights);
    missingMatMul.skipKernel = "bert/encoder/layer_1/output/dense/kernel";
    assertRefused(missingMatMul,
        "no weight found for 1 BERT parameters, e.g. bert/encoder/layer_1/output/dense/kernel (no MatMul feeding the Add of its bias)");

    SyntheticBert withHead = new SyntheticBert(weights);
    withHead.extraInitializer = "classifier.weight";
    assertRefused(withHead,
        "1 weight initializers are not part of a BERT encoder (e.g. classifier.weight); import a plain encoder export without task heads");

    JtuneException notOnnx = assertThrows(JtuneException.class, () -> OnnxModel.parse(new byte[] {1, 2, 3}, "junk.onnx"));
    assertEquals("junk.onnx: not a readable ONNX model (Protocol message contained an invalid tag (zero).)", notOnnx.getMessage());
  }

  @Test
  void fillsUniformLayerShapesAndRefusesLayersShapedUnlikeTheFirst() {
    assertTrue(OnnxEncoderImport.fromModel(OnnxModel.parse(new SyntheticBert(BertEncoderTest.randomWeights(TINY, 24)).bytes(), "u.onnx"),
        "u.onnx").config().hasUniformLayers());
    BertConfig pruned = TINY.withLayerShapes(List.of(new BertConfig.LayerShape(4, 64), new BertConfig.LayerShape(1, 40)));
    SyntheticBert onnx = new SyntheticBert(BertEncoderTest.randomWeights(pruned, 25));
    JtuneException e = assertThrows(JtuneException.class,
        () -> OnnxEncoderImport.fromModel(OnnxModel.parse(onnx.bytes(), "p.onnx"), "p.onnx"));
    assertEquals("p.onnx: layer 1 is shaped unlike layer 0 (attention width 8, intermediate size 40; layer 0: 32, 64): per-layer "
        + "shapes, as in a pruned model, are not inferred from ONNX; import the model before pruning", e.getMessage());
  }

  private static void assertRefused(SyntheticBert onnx, String reason) {
    JtuneException e = assertThrows(JtuneException.class,
        () -> OnnxEncoderImport.fromModel(OnnxModel.parse(onnx.bytes(), "x.onnx"), "x.onnx"));
    assertEquals("x.onnx: " + reason, e.getMessage());
  }

  /** Writes the ONNX wire format of a BERT-like graph from weights (structure only; never run). */
  static final class SyntheticBert {
    final EncoderWeights weights;
    boolean transposeKernels;
    boolean withReshape = true;
    String activationOp = "Erf";
    String skipKernel;
    String extraInitializer;
    private final List<byte[]> nodes = new ArrayList<>(), inits = new ArrayList<>();
    private int counter;

    SyntheticBert(EncoderWeights weights) {
      this.weights = weights;
    }

    byte[] bytes() {
      nodes.clear();
      inits.clear();
      String x = "/embeddings/LayerNorm/Add_1_output_0";
      for (var e : weights.asMap().entrySet()) {
        String bert = e.getKey();
        String hf = hfName(bert);
        if (bert.endsWith("/kernel")) continue;
        inits.add(tensor(hf, e.getValue().shape().asArray(), e.getValue().values()));
        if (bert.endsWith("/bias") && !bert.contains("LayerNorm")) {
          String kernelName = bert.replaceAll("bias$", "kernel");
          if (kernelName.equals(skipKernel)) continue;
          EncoderWeights.Weight k = weights.get(kernelName);
          String w = "onnx::MatMul_" + (700 + counter++);
          String mm = "/mm" + counter;
          if (transposeKernels) {
            long[] s = k.shape().asArray();
            float[] t = new float[k.values().length];
            for (int r = 0; r < s[0]; r++) for (int c = 0; c < s[1]; c++) t[(int) (c * s[0] + r)] = k.values()[(int) (r * s[1] + c)];
            inits.add(tensor(w, new long[] {s[1], s[0]}, t));
            nodes.add(node("Transpose", List.of(w), List.of(w + "_t"), null));
            nodes.add(node("MatMul", List.of(x, w + "_t"), List.of(mm), null));
          } else {
            inits.add(tensor(w, k.shape().asArray(), k.values()));
            nodes.add(node("MatMul", List.of(x, w), List.of(mm), null));
          }
          nodes.add(node("Add", List.of(hf, mm), List.of(mm + "_add"), null));
        }
      }
      if (extraInitializer != null) inits.add(tensor(extraInitializer, new long[] {32, 2}, new float[64]));
      if (withReshape) {
        nodes.add(node("Constant", List.of(), List.of("heads"), longTensor(new long[] {4})));
        nodes.add(node("Constant", List.of(), List.of("head_size"), longTensor(new long[] {8})));
        nodes.add(node("Concat", List.of("b", "s", "heads", "head_size"), List.of("shape4"), null));
        nodes.add(node("Reshape", List.of("q", "shape4"), List.of("q4"), null));
      }
      nodes.add(node("ReduceMean", List.of("sq"), List.of("var"), null));
      nodes.add(node("Constant", List.of(), List.of("eps"), floatTensor(1e-12f)));
      nodes.add(node("Add", List.of("var", "eps"), List.of("var_eps"), null));
      nodes.add(node(activationOp, List.of("h"), List.of("h_act"), null));
      return message(o -> {
        o.writeInt64(1, 7);
        o.writeString(2, "synthetic");
        o.writeByteArray(7, message(g -> {
          for (byte[] n : nodes) g.writeByteArray(1, n);
          g.writeString(2, "bert");
          for (byte[] t : inits) g.writeByteArray(5, t);
          for (String in : List.of("input_ids", "attention_mask", "token_type_ids")) g.writeByteArray(11, message(v -> v.writeString(1, in)));
          g.writeByteArray(12, message(v -> v.writeString(1, "last_hidden_state")));
        }));
        o.writeByteArray(8, message(op -> op.writeInt64(2, 11)));
      });
    }

    static String hfName(String bert) {
      String s = bert.substring("bert/".length());
      s = s.replaceAll("^encoder/layer_(\\d+)/", "encoder.layer.$1.");
      s = s.replace("/gamma", ".weight").replace("/beta", ".bias").replace("/kernel", ".weight");
      if (s.startsWith("embeddings/") && s.endsWith("_embeddings")) s += ".weight";
      return s.replace('/', '.');
    }

    private static byte[] tensor(String name, long[] dims, float[] values) {
      ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
      for (float v : values) raw.putFloat(v);
      return message(t -> {
        for (long d : dims) t.writeInt64(1, d);
        t.writeInt32(2, OnnxModel.FLOAT);
        t.writeString(8, name);
        t.writeByteArray(9, raw.array());
      });
    }

    private static byte[] longTensor(long[] values) {
      return message(t -> {
        t.writeInt64(1, values.length);
        t.writeInt32(2, OnnxModel.INT64);
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        CodedOutputStream p = CodedOutputStream.newInstance(packed);
        for (long v : values) p.writeInt64NoTag(v);
        p.flush();
        t.writeByteArray(7, packed.toByteArray());
      });
    }

    private static byte[] floatTensor(float value) {
      return message(t -> {
        t.writeInt32(2, OnnxModel.FLOAT);
        t.writeFloat(4, value);
      });
    }

    private static byte[] node(String op, List<String> in, List<String> out, byte[] valueAttr) {
      return message(n -> {
        for (String i : in) n.writeString(1, i);
        for (String o : out) n.writeString(2, o);
        n.writeString(4, op);
        if (valueAttr != null) n.writeByteArray(5, message(a -> {
          a.writeString(1, "value");
          a.writeByteArray(5, valueAttr);
          a.writeInt32(20, 4);
        }));
      });
    }

    interface Body {
      void write(CodedOutputStream out) throws IOException;
    }

    static byte[] message(Body body) {
      try {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        CodedOutputStream o = CodedOutputStream.newInstance(b);
        body.write(o);
        o.flush();
        return b.toByteArray();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Test
  void mapsHuggingFaceNamesToBertCheckpointNames() {
    Map<String, String> cases = Map.of(
        "embeddings.word_embeddings.weight", "bert/embeddings/word_embeddings",
        "embeddings.LayerNorm.bias", "bert/embeddings/LayerNorm/beta",
        "encoder.layer.11.attention.self.value.bias", "bert/encoder/layer_11/attention/self/value/bias",
        "encoder.layer.0.attention.output.LayerNorm.weight", "bert/encoder/layer_0/attention/output/LayerNorm/gamma",
        "encoder.layer.3.output.dense.weight", "bert/encoder/layer_3/output/dense/kernel",
        "pooler.dense.bias", "bert/pooler/dense/bias");
    cases.forEach((hf, bert) -> assertEquals(bert, OnnxEncoderImport.bertName(hf), hf));
    assertEquals(null, OnnxEncoderImport.bertName("cls.predictions.bias"));
  }
}
