package dev.jtune.model;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.jtune.JtuneException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX model file that a weight import needs: the graph's nodes, initializers,
 * inputs and outputs, and the default-domain opset. Read straight from the protobuf wire format
 * (field numbers of {@code onnx.proto}); every other field is skipped.
 */
public final class OnnxModel {

  /** ONNX TensorProto.DataType values used here. */
  public static final int FLOAT = 1, INT32 = 6, INT64 = 7, DOUBLE = 11;

  /** A tensor from an initializer or a {@code Constant} node, with its data still little-endian. */
  public record Tensor(String name, int dataType, long[] dims, ByteBuffer data) {
    public long size() {
      long n = 1;
      for (long d : dims) n *= d;
      return n;
    }

    /** Values as float32 (only for FLOAT tensors). */
    public float[] floats() {
      if (dataType != FLOAT) throw new IllegalStateException(name + " is not float32 (type " + dataType + ")");
      float[] out = new float[Math.toIntExact(size())];
      data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
      return out;
    }

    /** Values as numbers (integer or floating tensors), for small constants. */
    public double[] numbers() {
      int n = Math.toIntExact(size());
      ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      double[] out = new double[n];
      for (int i = 0; i < n; i++) {
        out[i] = switch (dataType) {
          case FLOAT -> b.getFloat(4 * i);
          case DOUBLE -> b.getDouble(8 * i);
          case INT32 -> b.getInt(4 * i);
          case INT64 -> b.getLong(8 * i);
          default -> throw new IllegalStateException(name + ": unsupported data type " + dataType);
        };
      }
      return out;
    }
  }

  /** One graph node; {@code tensorAttributes} holds tensor-valued attributes (e.g. Constant's value). */
  public record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
      Map<String, Tensor> tensorAttributes, Map<String, Long> intAttributes, Map<String, Float> floatAttributes) {}

  private final String producer;
  private final long opsetVersion;
  private final List<Node> nodes;
  private final Map<String, Tensor> initializers;
  private final List<String> inputs;
  private final List<String> outputs;

  private OnnxModel(String producer, long opsetVersion, List<Node> nodes, Map<String, Tensor> initializers,
      List<String> inputs, List<String> outputs) {
    this.producer = producer;
    this.opsetVersion = opsetVersion;
    this.nodes = Collections.unmodifiableList(nodes);
    this.initializers = Collections.unmodifiableMap(initializers);
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
  }

  /** Reads {@code file}; an unreadable or non-ONNX file is a {@link JtuneException} naming it. */
  public static OnnxModel read(Path file) {
    if (!Files.isRegularFile(file)) throw new JtuneException(file + ": no such ONNX file");
    try {
      byte[] bytes = Files.readAllBytes(file);
      return parse(bytes, file.toString());
    } catch (IOException e) {
      throw new JtuneException(file + ": cannot read ONNX file: " + e.getMessage(), e);
    }
  }

  /** Parses an ONNX ModelProto from memory. */
  public static OnnxModel parse(byte[] bytes, String source) {
    try {
      return new Reader(bytes).model(source);
    } catch (IOException | RuntimeException e) {
      String why = String.valueOf(e.getMessage());
      int stop = why.indexOf(". ");
      throw new JtuneException(source + ": not a readable ONNX model (" + (stop > 0 ? why.substring(0, stop) : why) + ")", e);
    }
  }

  public String producer() {
    return producer;
  }

  /** Version of the default ("ai.onnx") opset, 0 if absent. */
  public long opsetVersion() {
    return opsetVersion;
  }

  public List<Node> nodes() {
    return nodes;
  }

  /** Initializers by name (in file order). */
  public Map<String, Tensor> initializers() {
    return initializers;
  }

  /** Graph input names that are not initializers. */
  public List<String> inputs() {
    return inputs;
  }

  public List<String> outputs() {
    return outputs;
  }

  /** Wire-format reader for the ONNX messages and fields used here. */
  private static final class Reader {
    private final ByteBuffer all;
    private final CodedInputStream in;

    Reader(byte[] bytes) {
      this.all = ByteBuffer.wrap(bytes);
      this.in = CodedInputStream.newInstance(bytes);
      in.setSizeLimit(Integer.MAX_VALUE);
    }

    OnnxModel model(String source) throws IOException {
      String producer = "";
      long opset = 0;
      boolean sawGraph = false;
      List<Node> nodes = new ArrayList<>();
      Map<String, Tensor> inits = new LinkedHashMap<>();
      List<String> inputs = new ArrayList<>(), outputs = new ArrayList<>();
      int tag;
      while ((tag = in.readTag()) != 0) {
        switch (WireFormat.getTagFieldNumber(tag)) {
          case 2 -> producer = in.readString();
          case 7 -> {
            int old = in.pushLimit(in.readRawVarint32());
            graph(nodes, inits, inputs, outputs);
            in.popLimit(old);
            sawGraph = true;
          }
          case 8 -> {
            int old = in.pushLimit(in.readRawVarint32());
            String domain = "";
            long version = 0;
            int t;
            while ((t = in.readTag()) != 0) {
              switch (WireFormat.getTagFieldNumber(t)) {
                case 1 -> domain = in.readString();
                case 2 -> version = in.readInt64();
                default -> in.skipField(t);
              }
            }
            in.popLimit(old);
            if (domain.isEmpty() || domain.equals("ai.onnx")) opset = version;
          }
          default -> in.skipField(tag);
        }
      }
      if (!sawGraph) throw new IOException("no graph in the file");
      inputs.removeIf(inits::containsKey);
      return new OnnxModel(producer, opset, nodes, inits, inputs, outputs);
    }

    private void graph(List<Node> nodes, Map<String, Tensor> inits, List<String> inputs, List<String> outputs)
        throws IOException {
      int tag;
      while ((tag = in.readTag()) != 0) {
        int field = WireFormat.getTagFieldNumber(tag);
        if (field == 1 || field == 5 || field == 11 || field == 12) {
          int old = in.pushLimit(in.readRawVarint32());
          switch (field) {
            case 1 -> nodes.add(node());
            case 5 -> {
              Tensor t = tensor();
              inits.put(t.name(), t);
            }
            case 11 -> inputs.add(valueInfoName());
            default -> outputs.add(valueInfoName());
          }
          in.popLimit(old);
        } else {
          in.skipField(tag);
        }
      }
    }

    private String valueInfoName() throws IOException {
      String name = "";
      int tag;
      while ((tag = in.readTag()) != 0) {
        if (WireFormat.getTagFieldNumber(tag) == 1) name = in.readString();
        else in.skipField(tag);
      }
      return name;
    }

    private Node node() throws IOException {
      String name = "", op = "", domain = "";
      List<String> ins = new ArrayList<>(), outs = new ArrayList<>();
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      Map<String, Long> ints = new LinkedHashMap<>();
      Map<String, Float> floats = new LinkedHashMap<>();
      int tag;
      while ((tag = in.readTag()) != 0) {
        switch (WireFormat.getTagFieldNumber(tag)) {
          case 1 -> ins.add(in.readString());
          case 2 -> outs.add(in.readString());
          case 3 -> name = in.readString();
          case 4 -> op = in.readString();
          case 7 -> domain = in.readString();
          case 5 -> {
            int old = in.pushLimit(in.readRawVarint32());
            attribute(tensors, ints, floats);
            in.popLimit(old);
          }
          default -> in.skipField(tag);
        }
      }
      return new Node(name, op, domain, List.copyOf(ins), List.copyOf(outs), tensors, ints, floats);
    }

    private void attribute(Map<String, Tensor> tensors, Map<String, Long> ints, Map<String, Float> floats)
        throws IOException {
      String name = "";
      Tensor t = null;
      Long i = null;
      Float f = null;
      int tag;
      while ((tag = in.readTag()) != 0) {
        switch (WireFormat.getTagFieldNumber(tag)) {
          case 1 -> name = in.readString();
          case 2 -> f = in.readFloat();
          case 3 -> i = in.readInt64();
          case 5 -> {
            int old = in.pushLimit(in.readRawVarint32());
            t = tensor();
            in.popLimit(old);
          }
          default -> in.skipField(tag);
        }
      }
      if (t != null) tensors.put(name, t);
      if (i != null) ints.put(name, i);
      if (f != null) floats.put(name, f);
    }

    private Tensor tensor() throws IOException {
      String name = "";
      int type = 0;
      List<Long> dims = new ArrayList<>();
      ByteBuffer raw = null;
      List<Number> typed = new ArrayList<>();
      boolean external = false;
      int tag;
      while ((tag = in.readTag()) != 0) {
        int field = WireFormat.getTagFieldNumber(tag);
        boolean packed = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
        switch (field) {
          case 1 -> readInts(packed, dims, true);
          case 2 -> type = in.readInt32();
          case 8 -> name = in.readString();
          case 9 -> {
            int len = in.readRawVarint32();
            int at = in.getTotalBytesRead();
            // a view on the file's bytes: no copy of the (large) weight data
            raw = all.slice(at, len);
            in.skipRawBytes(len);
          }
          case 4 -> readFloats(packed, typed);
          case 5 -> readInts(packed, typed, false);
          case 7 -> readInts(packed, typed, true);
          case 10 -> readDoubles(packed, typed);
          case 14 -> external = in.readInt32() == 1;
          default -> in.skipField(tag);
        }
      }
      if (external) throw new IOException("tensor " + name + " keeps its data in an external file (not supported)");
      long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
      if (raw == null) raw = encode(type, typed, name);
      return new Tensor(name, type, shape, raw);
    }

    @SuppressWarnings("unchecked")
    private void readInts(boolean packed, List<? extends Number> out, boolean wide) throws IOException {
      List<Number> o = (List<Number>) out;
      if (!packed) {
        o.add(wide ? in.readInt64() : in.readInt32());
        return;
      }
      int old = in.pushLimit(in.readRawVarint32());
      while (in.getBytesUntilLimit() > 0) o.add(wide ? in.readInt64() : in.readInt32());
      in.popLimit(old);
    }

    private void readFloats(boolean packed, List<Number> out) throws IOException {
      if (!packed) {
        out.add(in.readFloat());
        return;
      }
      int old = in.pushLimit(in.readRawVarint32());
      while (in.getBytesUntilLimit() > 0) out.add(in.readFloat());
      in.popLimit(old);
    }

    private void readDoubles(boolean packed, List<Number> out) throws IOException {
      if (!packed) {
        out.add(in.readDouble());
        return;
      }
      int old = in.pushLimit(in.readRawVarint32());
      while (in.getBytesUntilLimit() > 0) out.add(in.readDouble());
      in.popLimit(old);
    }

    /** Typed-field data (float_data, int32_data, int64_data, double_data) as little-endian bytes. */
    private static ByteBuffer encode(int type, List<Number> values, String name) throws IOException {
      int width = switch (type) {
        case FLOAT, INT32 -> 4;
        case INT64, DOUBLE -> 8;
        default -> 0;
      };
      if (width == 0) {
        if (values.isEmpty()) return ByteBuffer.allocate(0);
        throw new IOException("tensor " + name + " has unsupported data type " + type);
      }
      ByteBuffer b = ByteBuffer.allocate(width * values.size()).order(ByteOrder.LITTLE_ENDIAN);
      for (Number v : values) {
        switch (type) {
          case FLOAT -> b.putFloat(v.floatValue());
          case INT32 -> b.putInt(v.intValue());
          case INT64 -> b.putLong(v.longValue());
          default -> b.putDouble(v.doubleValue());
        }
      }
      return b.flip();
    }
  }
}
