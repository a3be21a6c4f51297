package dev.jtune.serve;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the ONNX twin of {@link ServingFixtures#textClassifier}: the same mean-pooled embedding
 * classifier with the same weights, as ONNX protobuf (opset 17) built field by field with
 * protobuf-java's wire-format writer (field numbers from the ONNX spec).
 */
final class OnnxFixture {
  private static final int FLOAT = 1;
  private static final int INT32 = 6;
  private static final int INT64 = 7;

  private OnnxFixture() {}

  interface Fields {
    void write(CodedOutputStream out) throws IOException;
  }

  static ByteString msg(Fields f) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(buf);
    f.write(out);
    out.flush();
    return ByteString.copyFrom(buf.toByteArray());
  }

  static void write(Path file, float[] emb, float[] kernel, float[] bias, int vocab, int hidden, int classes) throws IOException {
    List<ByteString> nodes = new ArrayList<>();
    nodes.add(node("Cast", List.of("input_mask"), "mask_f", attrInt("to", FLOAT)));
    nodes.add(node("Unsqueeze", List.of("mask_f", "axis_last"), "m"));
    nodes.add(node("Cast", List.of("input_type_ids"), "types_f", attrInt("to", FLOAT)));
    nodes.add(node("Unsqueeze", List.of("types_f", "axis_last"), "t"));
    nodes.add(node("Mul", List.of("t", "half"), "t_half"));
    nodes.add(node("Gather", List.of("embeddings", "input_word_ids"), "gathered"));
    nodes.add(node("Add", List.of("gathered", "t_half"), "vectors"));
    nodes.add(node("Mul", List.of("vectors", "m"), "masked"));
    nodes.add(node("ReduceSum", List.of("masked", "axis_1"), "summed", attrInt("keepdims", 0)));
    nodes.add(node("ReduceSum", List.of("m", "axis_1"), "count_raw", attrInt("keepdims", 0)));
    nodes.add(node("Max", List.of("count_raw", "one"), "count"));
    nodes.add(node("Div", List.of("summed", "count"), "pooled"));
    nodes.add(node("MatMul", List.of("pooled", "kernel"), "projected"));
    nodes.add(node("Add", List.of("projected", "bias"), "logits"));
    nodes.add(node("Softmax", List.of("logits"), "probabilities", attrInt("axis", -1)));
    List<ByteString> inits =
        List.of(
            floats("embeddings", emb, vocab, hidden),
            floats("kernel", kernel, hidden, classes),
            floats("bias", bias, classes),
            floats("half", new float[] {0.5f}),
            floats("one", new float[] {1f}),
            longs("axis_last", new long[] {-1}, 1),
            longs("axis_1", new long[] {1}, 1));
    ByteString graph =
        msg(
            o -> {
              for (ByteString n : nodes) o.writeBytes(1, n);
              o.writeString(2, "text_classifier");
              for (ByteString t : inits) o.writeBytes(5, t);
              for (String in : List.of("input_word_ids", "input_mask", "input_type_ids")) o.writeBytes(11, valueInfo(in, INT32, "batch", "seq"));
              o.writeBytes(12, valueInfo("logits", FLOAT, "batch", Integer.toString(classes)));
              o.writeBytes(12, valueInfo("probabilities", FLOAT, "batch", Integer.toString(classes)));
            });
    ByteString model =
        msg(
            o -> {
              o.writeInt64(1, 8); // ir_version
              o.writeString(2, "jtune-test");
              o.writeBytes(7, graph);
              o.writeBytes(8, msg(op -> {
                op.writeString(1, "");
                op.writeInt64(2, 17);
              }));
            });
    Files.write(file, model.toByteArray());
  }

  private static ByteString node(String op, List<String> inputs, String output, ByteString... attrs) throws IOException {
    return msg(
        o -> {
          for (String in : inputs) o.writeString(1, in);
          o.writeString(2, output);
          o.writeString(3, output + "_" + op);
          o.writeString(4, op);
          for (ByteString a : attrs) o.writeBytes(5, a);
        });
  }

  private static ByteString attrInt(String name, long value) throws IOException {
    return msg(
        o -> {
          o.writeString(1, name);
          o.writeInt64(3, value);
          o.writeEnum(20, 2); // AttributeType.INT
        });
  }

  private static ByteString floats(String name, float[] values, long... dims) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) b.putFloat(v);
    return tensor(name, FLOAT, b.array(), dims);
  }

  private static ByteString longs(String name, long[] values, long... dims) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) b.putLong(v);
    return tensor(name, INT64, b.array(), dims);
  }

  private static ByteString tensor(String name, int type, byte[] raw, long... dims) throws IOException {
    return msg(
        o -> {
          for (long d : dims) o.writeInt64(1, d);
          o.writeInt32(2, type);
          o.writeString(8, name);
          o.writeBytes(9, ByteString.copyFrom(raw));
        });
  }

  private static ByteString valueInfo(String name, int elemType, String... dims) throws IOException {
    ByteString shape =
        msg(
            o -> {
              for (String d : dims) {
                o.writeBytes(1, msg(dim -> {
                  if (d.matches("\\d+")) dim.writeInt64(1, Long.parseLong(d));
                  else dim.writeString(2, d);
                }));
              }
            });
    ByteString tensorType = msg(o -> {
      o.writeInt32(1, elemType);
      o.writeBytes(2, shape);
    });
    return msg(
        o -> {
          o.writeString(1, name);
          o.writeBytes(2, msg(t -> t.writeBytes(1, tensorType)));
        });
  }
}
