package dev.jtune.export.onnx;

import dev.jtune.export.ir.ConstantTensor;
import dev.jtune.export.ir.ElementType;
import dev.jtune.export.ir.InferenceIr;
import dev.jtune.export.ir.IrNode;
import dev.jtune.export.ir.OpKind;
import dev.jtune.export.ir.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes an {@link InferenceIr} as an ONNX model (IR version 8, default-domain opset 17) in the
 * protobuf wire format: the IR's input and output names, int32 inputs with symbolic
 * {@code batch} and {@code sequence} axes, weights as raw little-endian initializers. Ops with no
 * single ONNX equivalent are expanded (SquaredDifference, Rsqrt, GELU, TF-style slices).
 */
public final class OnnxWriter {
  static final int IR_VERSION = 8;
  static final int OPSET = 17;
  // TensorProto.DataType
  private static final int FLOAT = 1;
  private static final int INT32 = 6;
  private static final int INT64 = 7;
  // AttributeProto.AttributeType
  private static final int ATTR_INT = 2;
  private static final int ATTR_INTS = 7;

  private final InferenceIr ir;
  private final List<ProtoWriter> nodes = new ArrayList<>();
  private final List<ProtoWriter> initializers = new ArrayList<>();
  private final Set<String> initialized = new HashSet<>();
  private int counter;

  private OnnxWriter(InferenceIr ir) {
    this.ir = ir;
  }

  /** Serializes the computation as an ONNX ModelProto. */
  public static byte[] write(InferenceIr ir, String graphName, String producerVersion) {
    return new OnnxWriter(ir).build(graphName, producerVersion);
  }

  private byte[] build(String graphName, String producerVersion) {
    for (IrNode n : ir.nodes()) lower(n);
    ProtoWriter graph = new ProtoWriter();
    for (ProtoWriter n : nodes) graph.message(1, n);
    graph.string(2, graphName);
    for (ProtoWriter t : initializers) graph.message(5, t);
    for (TensorSpec in : ir.inputs()) graph.message(11, valueInfo(in));
    for (TensorSpec out : ir.outputs()) graph.message(12, valueInfo(out));
    ProtoWriter model = new ProtoWriter()
        .int64(1, IR_VERSION)
        .string(2, "jtune")
        .string(3, producerVersion)
        .message(7, graph)
        .message(8, new ProtoWriter().string(1, "").int64(2, OPSET));
    return model.toByteArray();
  }

  private void lower(IrNode n) {
    String y = n.output();
    switch (n.kind()) {
      case DENSE -> {
        if (n.inputs().size() > 2) {
          String mm = temp(y, "matmul");
          node("MatMul", List.of(in(n, 0), in(n, 1)), mm);
          node("Add", List.of(mm, in(n, 2)), y);
        } else {
          node("MatMul", List.of(in(n, 0), in(n, 1)), y);
        }
      }
      case BATCH_MATMUL -> {
        String a = n.flag("adj_x") ? swapLastTwo(in(n, 0), ir.spec(n.input(0)).rank()) : in(n, 0);
        String b = n.flag("adj_y") ? swapLastTwo(in(n, 1), ir.spec(n.input(1)).rank()) : in(n, 1);
        node("MatMul", List.of(a, b), y);
      }
      case GATHER -> node("Gather", List.of(in(n, 0), in(n, 1)), y, intAttr("axis", n.intAttr("axis", 0)));
      case ADD -> node("Add", ins(n), y);
      case SUB -> node("Sub", ins(n), y);
      case MUL -> node("Mul", ins(n), y);
      case DIV -> node("Div", ins(n), y);
      case POW -> node("Pow", ins(n), y);
      case MAXIMUM -> node("Max", ins(n), y);
      case MINIMUM -> node("Min", ins(n), y);
      case FLOOR_MOD -> node("Mod", ins(n), y, intAttr("fmod", 0)); // fmod 0: the sign of the divisor, as TF FloorMod
      case SQUARED_DIFFERENCE -> {
        String d = temp(y, "diff");
        node("Sub", ins(n), d);
        node("Mul", List.of(d, d), y);
      }
      case SQUARE -> node("Mul", List.of(in(n, 0), in(n, 0)), y);
      case RSQRT -> {
        String s = temp(y, "sqrt");
        node("Sqrt", ins(n), s);
        node("Reciprocal", List.of(s), y);
      }
      case SQRT -> node("Sqrt", ins(n), y);
      case TANH -> node("Tanh", ins(n), y);
      case EXP -> node("Exp", ins(n), y);
      case NEG -> node("Neg", ins(n), y);
      case RELU -> node("Relu", ins(n), y);
      case SIGMOID -> node("Sigmoid", ins(n), y);
      case ERF -> node("Erf", ins(n), y);
      case GELU -> gelu(n, y);
      case SOFTMAX -> node("Softmax", ins(n), y, intAttr("axis", -1));
      case RESHAPE -> node("Reshape", List.of(in(n, 0), int64Input(n.input(1))), y);
      case TRANSPOSE -> node("Transpose", List.of(in(n, 0)), y, intsAttr("perm", ir.constant(n.input(1)).ints()));
      case MEAN -> node("ReduceMean", List.of(in(n, 0)), y, intsAttr("axes", ir.constant(n.input(1)).ints()),
          intAttr("keepdims", n.flag("keep_dims") ? 1 : 0));
      case SUM -> node("ReduceSum", List.of(in(n, 0), int64Input(n.input(1))), y, intAttr("keepdims", n.flag("keep_dims") ? 1 : 0));
      case CAST -> node("Cast", ins(n), y, intAttr("to", n.attrs().get("to") == ElementType.FLOAT32 ? FLOAT : INT32));
      case EXPAND_DIMS -> node("Unsqueeze", List.of(in(n, 0), int64Input(n.input(1))), y);
      case SQUEEZE -> node("Squeeze", List.of(in(n, 0), int64Const(y + "/axes", toLongs((int[]) n.attrs().get("axes")))), y);
      case STRIDED_SLICE -> stridedSlice(n, y);
      case SLICE -> slice(n, y);
      case SHAPE -> {
        String s = temp(y, "shape64");
        node("Shape", ins(n), s);
        node("Cast", List.of(s), y, intAttr("to", INT32));
      }
      case FILL -> node("Expand", List.of(in(n, 1), int64Input(n.input(0))), y);
      case PACK -> {
        int axis = n.intAttr("axis", 0);
        List<String> parts = new ArrayList<>();
        String axes = int64Const(y + "/axis", new long[] {axis});
        for (int i = 0; i < n.inputs().size(); i++) {
          String u = temp(y, "unsqueezed" + i);
          node("Unsqueeze", List.of(in(n, i), axes), u);
          parts.add(u);
        }
        node("Concat", parts, y, intAttr("axis", axis));
      }
      case CONCAT -> node("Concat", ins(n), y, intAttr("axis", n.intAttr("axis", 0)));
    }
  }

  /** Exact GELU as 0.5 * x * (1 + erf(x / sqrt 2)); tanh form when approximate. */
  private void gelu(IrNode n, String y) {
    String x = in(n, 0);
    String inner;
    if (n.flag("approximate")) {
      String x3 = temp(y, "x3");
      node("Mul", List.of(x, x), temp(y, "x2"));
      node("Mul", List.of(temp(y, "x2"), x), x3);
      String cx3 = temp(y, "cx3");
      node("Mul", List.of(x3, floatConst(y + "/c", 0.044715f)), cx3);
      String sum = temp(y, "sum");
      node("Add", List.of(x, cx3), sum);
      String scaled = temp(y, "scaled");
      node("Mul", List.of(sum, floatConst(y + "/k", (float) Math.sqrt(2 / Math.PI))), scaled);
      inner = temp(y, "tanh");
      node("Tanh", List.of(scaled), inner);
    } else {
      String scaled = temp(y, "scaled");
      node("Div", List.of(x, floatConst(y + "/sqrt2", (float) Math.sqrt(2))), scaled);
      inner = temp(y, "erf");
      node("Erf", List.of(scaled), inner);
    }
    String onePlus = temp(y, "one_plus");
    node("Add", List.of(inner, floatConst(y + "/one", 1f)), onePlus);
    String xh = temp(y, "half_x");
    node("Mul", List.of(x, floatConst(y + "/half", 0.5f)), xh);
    node("Mul", List.of(xh, onePlus), y);
  }

  /** TF StridedSlice (constant bounds, begin/end/shrink masks) as Slice followed by Squeeze. */
  private void stridedSlice(IrNode n, String y) {
    int[] begin = ir.constant(n.input(1)).ints();
    int[] end = ir.constant(n.input(2)).ints();
    int[] strides = ir.constant(n.input(3)).ints();
    int bm = n.intAttr("begin_mask", 0), em = n.intAttr("end_mask", 0), sm = n.intAttr("shrink_axis_mask", 0);
    long[] starts = new long[begin.length], ends = new long[begin.length], axes = new long[begin.length], steps = new long[begin.length];
    List<Long> squeeze = new ArrayList<>();
    for (int i = 0; i < begin.length; i++) {
      axes[i] = i;
      steps[i] = strides[i];
      boolean forward = strides[i] > 0;
      if ((sm & (1 << i)) != 0) {
        starts[i] = begin[i];
        ends[i] = begin[i] == -1 ? Long.MAX_VALUE : begin[i] + 1;
        steps[i] = 1;
        squeeze.add((long) i);
        continue;
      }
      starts[i] = (bm & (1 << i)) != 0 ? (forward ? 0 : Long.MAX_VALUE) : begin[i];
      ends[i] = (em & (1 << i)) != 0 ? (forward ? Long.MAX_VALUE : Long.MIN_VALUE) : end[i];
    }
    String sliced = squeeze.isEmpty() ? y : temp(y, "slice");
    node("Slice", List.of(in(n, 0), int64Const(y + "/starts", starts), int64Const(y + "/ends", ends),
        int64Const(y + "/axes", axes), int64Const(y + "/steps", steps)), sliced);
    if (!squeeze.isEmpty()) {
      node("Squeeze", List.of(sliced, int64Const(y + "/squeeze", squeeze.stream().mapToLong(Long::longValue).toArray())), y);
    }
  }

  /** TF Slice(begin, size) where size -1 means "to the end": ends = size < 0 ? MAX : begin + size. */
  private void slice(IrNode n, String y) {
    if (ir.isConstant(n.input(1)) && ir.isConstant(n.input(2))) {
      int[] b = ir.constant(n.input(1)).ints();
      int[] s = ir.constant(n.input(2)).ints();
      long[] starts = new long[b.length], ends = new long[b.length];
      for (int i = 0; i < b.length; i++) {
        starts[i] = b[i];
        ends[i] = s[i] < 0 ? Long.MAX_VALUE : (long) b[i] + s[i];
      }
      node("Slice", List.of(in(n, 0), int64Const(y + "/starts", starts), int64Const(y + "/ends", ends)), y);
      return;
    }
    String begin = int64Input(n.input(1));
    String size = int64Input(n.input(2));
    String sum = temp(y, "begin_plus_size");
    node("Add", List.of(begin, size), sum);
    String neg = temp(y, "to_end");
    node("Less", List.of(size, int64Const(y + "/zero", new long[] {0})), neg);
    String ends = temp(y, "ends");
    node("Where", List.of(neg, int64Const(y + "/max", new long[] {Long.MAX_VALUE}), sum), ends);
    node("Slice", List.of(in(n, 0), begin, ends), y);
  }

  private String swapLastTwo(String x, int rank) {
    if (rank < 2) throw new IllegalArgumentException("matmul operand " + x + " needs a known rank >= 2");
    long[] perm = new long[rank];
    for (int i = 0; i < rank; i++) perm[i] = i;
    perm[rank - 2] = rank - 1;
    perm[rank - 1] = rank - 2;
    String t = temp(x, "transposed");
    node("Transpose", List.of(x), t, intsAttr("perm", perm));
    return t;
  }

  private List<String> ins(IrNode n) {
    List<String> r = new ArrayList<>();
    for (int i = 0; i < n.inputs().size(); i++) r.add(in(n, i));
    return r;
  }

  /** The ONNX name of input i, emitting an initializer the first time a constant is read. */
  private String in(IrNode n, int i) {
    String name = n.input(i);
    if (ir.isConstant(name) && initialized.add(name)) initializers.add(tensor(name, ir.constant(name)));
    return name;
  }

  /** Shape-like operands are int64 in ONNX: converted constants, or a Cast of computed values. */
  private String int64Input(String name) {
    if (ir.isConstant(name)) return int64Const(name + "/i64", toLongs(ir.constant(name).ints()));
    String c = temp(name, "i64");
    if (initialized.add(c)) node("Cast", List.of(name), c, intAttr("to", INT64));
    return c;
  }

  private String int64Const(String name, long[] values) {
    if (initialized.add(name)) {
      ProtoWriter t = new ProtoWriter();
      t.int64(1, values.length);
      t.int32(2, INT64);
      t.string(8, name);
      ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
      for (long v : values) b.putLong(v);
      t.bytes(9, b.array());
      initializers.add(t);
    }
    return name;
  }

  private String floatConst(String name, float v) {
    if (initialized.add(name)) initializers.add(tensor(name, ConstantTensor.scalar(v)));
    return name;
  }

  private static ProtoWriter tensor(String name, ConstantTensor c) {
    ProtoWriter t = new ProtoWriter();
    for (long d : c.shape()) t.int64(1, d);
    t.int32(2, c.type() == ElementType.FLOAT32 ? FLOAT : INT32);
    t.string(8, name);
    ByteBuffer b = ByteBuffer.allocate(c.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
    if (c.type() == ElementType.FLOAT32) {
      for (float v : c.floats()) b.putFloat(v);
    } else {
      for (int v : c.ints()) b.putInt(v);
    }
    t.bytes(9, b.array());
    return t;
  }

  private ProtoWriter valueInfo(TensorSpec s) {
    ProtoWriter shape = new ProtoWriter();
    long[] dims = s.shape();
    for (int i = 0; dims != null && i < dims.length; i++) {
      ProtoWriter dim = new ProtoWriter();
      if (dims[i] >= 0) dim.int64(1, dims[i]);
      else dim.string(2, i == 0 ? "batch" : i == 1 && s.type() == ElementType.INT32 ? "sequence" : s.name() + "_dim" + i);
      shape.message(1, dim);
    }
    ProtoWriter tensorType = new ProtoWriter().int32(1, s.type() == ElementType.FLOAT32 ? FLOAT : INT32);
    if (dims != null) tensorType.message(2, shape);
    return new ProtoWriter().string(1, s.name()).message(2, new ProtoWriter().message(1, tensorType));
  }

  private void node(String opType, List<String> inputs, String output, ProtoWriter... attrs) {
    ProtoWriter n = new ProtoWriter();
    for (String in : inputs) n.string(1, in);
    n.string(2, output);
    n.string(3, output + "/" + opType);
    n.string(4, opType);
    for (ProtoWriter a : attrs) n.message(5, a);
    nodes.add(n);
  }

  private String temp(String base, String what) {
    return base + "/" + what;
  }

  private static ProtoWriter intAttr(String name, long v) {
    return new ProtoWriter().string(1, name).int64(3, v).int32(20, ATTR_INT);
  }

  private static ProtoWriter intsAttr(String name, int[] v) {
    return intsAttr(name, toLongs(v));
  }

  private static ProtoWriter intsAttr(String name, long[] v) {
    ProtoWriter a = new ProtoWriter().string(1, name);
    for (long x : v) a.int64(8, x);
    return a.int32(20, ATTR_INTS);
  }

  private static long[] toLongs(int[] v) {
    long[] r = new long[v.length];
    for (int i = 0; i < v.length; i++) r[i] = v[i];
    return r;
  }
}
