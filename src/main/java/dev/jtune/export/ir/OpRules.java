package dev.jtune.export.ir;

import dev.jtune.JtuneException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NodeDef;

/**
 * The lowering rule of every TensorFlow op type an inference graph may contain after constant
 * folding. Anything else is rejected, naming the op type and the node.
 */
final class OpRules {
  private static final Map<String, OpKind> ELEMENTWISE = Map.ofEntries(
      Map.entry("Add", OpKind.ADD), Map.entry("AddV2", OpKind.ADD), Map.entry("Sub", OpKind.SUB),
      Map.entry("Mul", OpKind.MUL), Map.entry("RealDiv", OpKind.DIV), Map.entry("SquaredDifference", OpKind.SQUARED_DIFFERENCE),
      Map.entry("Maximum", OpKind.MAXIMUM), Map.entry("Minimum", OpKind.MINIMUM), Map.entry("Pow", OpKind.POW),
      Map.entry("FloorMod", OpKind.FLOOR_MOD),
      Map.entry("Rsqrt", OpKind.RSQRT), Map.entry("Square", OpKind.SQUARE), Map.entry("Sqrt", OpKind.SQRT), Map.entry("Tanh", OpKind.TANH),
      Map.entry("Exp", OpKind.EXP), Map.entry("Neg", OpKind.NEG), Map.entry("Relu", OpKind.RELU),
      Map.entry("Sigmoid", OpKind.SIGMOID), Map.entry("Erf", OpKind.ERF), Map.entry("Softmax", OpKind.SOFTMAX),
      Map.entry("Reshape", OpKind.RESHAPE), Map.entry("Shape", OpKind.SHAPE));

  private final Map<String, ConstantTensor> constants;
  private final Map<String, TensorSpec> specs;
  private final java.util.function.Function<String, NodeDef> producer;

  /**
   * {@code specs} holds the spec of every tensor lowered so far (rules add their intermediates);
   * {@code producer} finds the graph node behind an IR tensor name.
   */
  OpRules(Map<String, ConstantTensor> constants, Map<String, TensorSpec> specs, java.util.function.Function<String, NodeDef> producer) {
    this.constants = constants;
    this.specs = specs;
    this.producer = producer;
  }

  /** The IR nodes for one graph node; most ops map to one node. */
  List<IrNode> lower(NodeDef d, List<String> in, List<String> out) {
    if (d.getOp().equals("FusedBatchNormV3") || d.getOp().equals("FusedBatchNorm")) return batchNorm(d, in, out);
    return List.of(lowerOne(d, in, out));
  }

  /**
   * FusedBatchNorm in training mode normalizes each channel by its own batch statistics; the
   * encoder uses it as a fused LayerNorm ([1, rows, H, 1] in NCHW: one "channel" per token). It
   * becomes MEAN / SUB / SQUARE / MEAN / ADD(eps) / RSQRT / MUL, with scale and offset applied
   * unless they are all ones and all zeros (constants, or Fill of 1 and 0).
   */
  private List<IrNode> batchNorm(NodeDef d, List<String> in, List<String> out) {
    if (!GraphLowering.attr(d, "is_training").getB()) throw unsupported(d, "FusedBatchNorm with stored statistics (is_training=false)");
    String fmt = GraphLowering.attr(d, "data_format").getS().toStringUtf8();
    boolean nchw = fmt.equals("NCHW");
    if (!nchw && !fmt.isEmpty() && !fmt.equals("NHWC")) throw unsupported(d, "FusedBatchNorm with data_format " + fmt);
    TensorSpec x = specs.get(in.get(0));
    if (x == null || x.rank() != 4) throw unsupported(d, "FusedBatchNorm on a tensor that is not 4-D");
    float eps = GraphLowering.attr(d, "epsilon").getF();
    int[] axes = nchw ? new int[] {0, 2, 3} : new int[] {0, 1, 2};
    long[] reduced = x.shape();
    for (int a : axes) reduced[a] = 1;
    String base = d.getName();
    String axesName = constant(base + "/axes", ConstantTensor.ofInts(new long[] {3}, axes));
    List<IrNode> nodes = new java.util.ArrayList<>();
    String mean = tensor(base + "/mean", reduced);
    nodes.add(new IrNode(base, OpKind.MEAN, List.of(in.get(0), axesName), List.of(mean), Map.of("keep_dims", true)));
    String centered = tensor(base + "/centered", x.shape());
    nodes.add(new IrNode(base, OpKind.SUB, List.of(in.get(0), mean), List.of(centered), Map.of()));
    String sq = tensor(base + "/squared", x.shape());
    nodes.add(new IrNode(base, OpKind.SQUARE, List.of(centered), List.of(sq), Map.of()));
    String variance = tensor(base + "/variance", reduced);
    nodes.add(new IrNode(base, OpKind.MEAN, List.of(sq, axesName), List.of(variance), Map.of("keep_dims", true)));
    String shifted = tensor(base + "/variance_eps", reduced);
    nodes.add(new IrNode(base, OpKind.ADD, List.of(variance, constant(base + "/epsilon", ConstantTensor.scalar(eps))), List.of(shifted), Map.of()));
    String inv = tensor(base + "/inv_std", reduced);
    nodes.add(new IrNode(base, OpKind.RSQRT, List.of(shifted), List.of(inv), Map.of()));
    boolean scaled = !isFilled(in.get(1), 1f);
    boolean offset = !isFilled(in.get(2), 0f);
    String y = scaled || offset ? tensor(base + "/normalized", x.shape()) : out.get(0);
    nodes.add(new IrNode(base, OpKind.MUL, List.of(centered, inv), List.of(y), Map.of()));
    int[] perChannel = nchw ? new int[] {1, -1, 1, 1} : new int[] {1, 1, 1, -1};
    String shape = constant(base + "/channel_shape", ConstantTensor.ofInts(new long[] {4}, perChannel));
    if (scaled) {
      String s = tensor(base + "/scale4", reduced);
      nodes.add(new IrNode(base, OpKind.RESHAPE, List.of(in.get(1), shape), List.of(s), Map.of()));
      String ys = offset ? tensor(base + "/scaled", x.shape()) : out.get(0);
      nodes.add(new IrNode(base, OpKind.MUL, List.of(y, s), List.of(ys), Map.of()));
      y = ys;
    }
    if (offset) {
      String o = tensor(base + "/offset4", reduced);
      nodes.add(new IrNode(base, OpKind.RESHAPE, List.of(in.get(2), shape), List.of(o), Map.of()));
      nodes.add(new IrNode(base, OpKind.ADD, List.of(y, o), List.of(out.get(0)), Map.of()));
    }
    return nodes;
  }

  /** True when the tensor is all {@code value}: a constant, or Fill(dims, value) of a constant value. */
  private boolean isFilled(String tensor, float value) {
    ConstantTensor c = constants.get(tensor);
    if (c != null) {
      for (float v : c.floats()) if (v != value) return false;
      return true;
    }
    NodeDef p = producer.apply(tensor);
    if (p == null || !p.getOp().equals("Fill")) return false;
    ConstantTensor v = constants.get(GraphLowering.irName(GraphLowering.tensorName(p.getInput(1))));
    return v != null && v.size() == 1 && v.scalarValue() == value;
  }

  private String tensor(String name, long[] shape) {
    specs.put(name, new TensorSpec(name, ElementType.FLOAT32, shape));
    return name;
  }

  private String constant(String name, ConstantTensor c) {
    constants.put(name, c);
    return name;
  }

  private IrNode lowerOne(NodeDef d, List<String> in, List<String> out) {
    String op = d.getOp();
    String name = d.getName();
    OpKind simple = ELEMENTWISE.get(op);
    if (simple != null) {
      if (op.equals("Shape") && GraphLowering.attr(d, "out_type").getType() != DataType.DT_INT32) {
        throw unsupported(d, "Shape with out_type other than int32");
      }
      return node(d, simple, in, out, Map.of());
    }
    switch (op) {
      case "BiasAdd" -> {
        String fmt = GraphLowering.attr(d, "data_format").getS().toStringUtf8();
        if (!fmt.isEmpty() && !fmt.equals("NHWC")) throw unsupported(d, "BiasAdd with data_format " + fmt);
        return node(d, OpKind.ADD, in, out, Map.of());
      }
      case "Div" -> {
        // Div on integers floors; only the float form is a plain division
        if (GraphLowering.attr(d, "T").getType() != DataType.DT_FLOAT) throw unsupported(d, "integer Div");
        return node(d, OpKind.DIV, in, out, Map.of());
      }
      case "MatMul" -> {
        boolean ta = GraphLowering.attr(d, "transpose_a").getB();
        boolean tb = GraphLowering.attr(d, "transpose_b").getB();
        if (!ta && constants.containsKey(in.get(1))) return dense(d, in, out, tb);
        return node(d, OpKind.BATCH_MATMUL, in, out, Map.of("adj_x", ta, "adj_y", tb));
      }
      case "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3" -> {
        boolean ax = GraphLowering.attr(d, "adj_x").getB();
        boolean ay = GraphLowering.attr(d, "adj_y").getB();
        ConstantTensor b = constants.get(in.get(1));
        if (!ax && b != null && b.shape().length == 2) return dense(d, in, out, ay);
        return node(d, OpKind.BATCH_MATMUL, in, out, Map.of("adj_x", ax, "adj_y", ay));
      }
      case "GatherV2", "Gather" -> {
        int axis = 0;
        if (op.equals("GatherV2")) {
          axis = scalarInt(d, in.get(2), "axis");
          if (GraphLowering.attr(d, "batch_dims").getI() != 0) throw unsupported(d, "GatherV2 with batch_dims");
        }
        return node(d, OpKind.GATHER, in.subList(0, 2), out, Map.of("axis", axis));
      }
      case "Transpose" -> {
        requireConstant(d, in.get(1), "perm");
        return node(d, OpKind.TRANSPOSE, in, out, Map.of());
      }
      case "Mean", "Sum" -> {
        requireConstant(d, in.get(1), "reduction axes");
        return node(d, op.equals("Mean") ? OpKind.MEAN : OpKind.SUM, in, out,
            Map.of("keep_dims", GraphLowering.attr(d, "keep_dims").getB()));
      }
      case "Cast" -> {
        DataType to = GraphLowering.attr(d, "DstT").getType();
        ElementType t = switch (to) {
          case DT_FLOAT -> ElementType.FLOAT32;
          case DT_INT32 -> ElementType.INT32;
          default -> throw unsupported(d, "Cast to " + to);
        };
        return node(d, OpKind.CAST, in, out, Map.of("to", t));
      }
      case "ExpandDims" -> {
        scalarInt(d, in.get(1), "axis");
        return node(d, OpKind.EXPAND_DIMS, in, out, Map.of());
      }
      case "Squeeze" -> {
        List<Long> dims = GraphLowering.attr(d, "squeeze_dims").getList().getIList();
        if (dims.isEmpty()) throw unsupported(d, "Squeeze without explicit squeeze_dims");
        return node(d, OpKind.SQUEEZE, in, out, Map.of("axes", dims.stream().mapToInt(Long::intValue).toArray()));
      }
      case "StridedSlice" -> {
        if (GraphLowering.attr(d, "ellipsis_mask").getI() != 0 || GraphLowering.attr(d, "new_axis_mask").getI() != 0) {
          throw unsupported(d, "StridedSlice with ellipsis or new-axis masks");
        }
        for (int i = 1; i <= 3; i++) requireConstant(d, in.get(i), "slice bounds");
        Map<String, Object> attrs = new HashMap<>();
        for (String m : List.of("begin_mask", "end_mask", "shrink_axis_mask")) attrs.put(m, (int) GraphLowering.attr(d, m).getI());
        return node(d, OpKind.STRIDED_SLICE, in, out, attrs);
      }
      case "Slice" -> {
        return node(d, OpKind.SLICE, in, out, Map.of());
      }
      case "Fill" -> {
        return node(d, OpKind.FILL, in, out, Map.of());
      }
      case "Pack" -> {
        return node(d, OpKind.PACK, in, out, Map.of("axis", (int) GraphLowering.attr(d, "axis").getI()));
      }
      case "ConcatV2" -> {
        int axis = scalarInt(d, in.get(in.size() - 1), "axis");
        return node(d, OpKind.CONCAT, in.subList(0, in.size() - 1), out, Map.of("axis", axis));
      }
      default -> throw unsupported(d, null);
    }
  }

  private IrNode dense(NodeDef d, List<String> in, List<String> out, boolean transposed) {
    String kernel = in.get(1);
    if (transposed) {
      // store kernels as [in, out] so every writer sees one layout
      ConstantTensor k = constants.get(kernel);
      long[] s = k.shape();
      float[] v = k.floats();
      float[] t = new float[v.length];
      int rows = (int) s[0], cols = (int) s[1];
      for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = v[r * cols + c];
      kernel = kernel + "/transposed";
      constants.put(kernel, ConstantTensor.ofFloats(new long[] {cols, rows}, t));
    }
    return node(d, OpKind.DENSE, List.of(in.get(0), kernel), out, Map.of());
  }

  private int scalarInt(NodeDef d, String tensor, String what) {
    ConstantTensor c = requireConstant(d, tensor, what);
    if (c.size() != 1) throw unsupported(d, what + " with " + c.size() + " values");
    return (int) c.scalarValue();
  }

  private ConstantTensor requireConstant(NodeDef d, String tensor, String what) {
    ConstantTensor c = constants.get(tensor);
    if (c == null) throw unsupported(d, d.getOp() + " with a computed " + what);
    return c;
  }

  private static IrNode node(NodeDef d, OpKind kind, List<String> in, List<String> out, Map<String, Object> attrs) {
    return new IrNode(d.getName(), kind, in, out, attrs);
  }

  static JtuneException unsupported(NodeDef d, String detail) {
    return new JtuneException("unsupported op '" + d.getOp() + "' (node '" + d.getName() + "') in the inference graph"
        + (detail == null ? ": no export rule for this op type" : ": " + detail + " is not supported")
        + "; export supports " + supportedOps());
  }

  static String supportedOps() {
    return "MatMul, BatchMatMul, BiasAdd, Add, Sub, Mul, RealDiv, SquaredDifference, Maximum, Minimum, Pow, FloorMod, Div (float), Square, Rsqrt, Sqrt, "
        + "Tanh, Exp, Neg, Relu, Sigmoid, Erf, Softmax, Reshape, Transpose, Mean, Sum, Cast, ExpandDims, Squeeze, "
        + "StridedSlice, Slice, Shape, Pack, ConcatV2, GatherV2, Fill, FusedBatchNormV3 (training-mode statistics)";
  }
}
