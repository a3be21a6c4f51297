package dev.jtune.export.tflite;

import com.google.flatbuffers.FlatBufferBuilder;
import dev.jtune.JtuneException;
import dev.jtune.export.ir.ConstantTensor;
import dev.jtune.export.ir.ElementType;
import dev.jtune.export.ir.InferenceIr;
import dev.jtune.export.ir.IrNode;
import dev.jtune.export.ir.OpKind;
import dev.jtune.export.ir.TensorSpec;
import dev.jtune.artifact.ClassifierTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.lite.schema.AddOptionsT;
import org.tensorflow.lite.schema.BatchMatMulOptionsT;
import org.tensorflow.lite.schema.BufferT;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.BuiltinOptions;
import org.tensorflow.lite.schema.BuiltinOptionsUnion;
import org.tensorflow.lite.schema.CastOptionsT;
import org.tensorflow.lite.schema.ConcatenationOptionsT;
import org.tensorflow.lite.schema.DequantizeOptionsT;
import org.tensorflow.lite.schema.DivOptionsT;
import org.tensorflow.lite.schema.ExpandDimsOptionsT;
import org.tensorflow.lite.schema.FloorModOptionsT;
import org.tensorflow.lite.schema.FullyConnectedOptionsT;
import org.tensorflow.lite.schema.GatherOptionsT;
import org.tensorflow.lite.schema.GeluOptionsT;
import org.tensorflow.lite.schema.MaximumMinimumOptionsT;
import org.tensorflow.lite.schema.Model;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.MulOptionsT;
import org.tensorflow.lite.schema.OperatorCodeT;
import org.tensorflow.lite.schema.OperatorT;
import org.tensorflow.lite.schema.PackOptionsT;
import org.tensorflow.lite.schema.PowOptionsT;
import org.tensorflow.lite.schema.QuantizationParametersT;
import org.tensorflow.lite.schema.ReducerOptionsT;
import org.tensorflow.lite.schema.ReshapeOptionsT;
import org.tensorflow.lite.schema.ShapeOptionsT;
import org.tensorflow.lite.schema.SignatureDefT;
import org.tensorflow.lite.schema.SliceOptionsT;
import org.tensorflow.lite.schema.SoftmaxOptionsT;
import org.tensorflow.lite.schema.SquaredDifferenceOptionsT;
import org.tensorflow.lite.schema.SqueezeOptionsT;
import org.tensorflow.lite.schema.StridedSliceOptionsT;
import org.tensorflow.lite.schema.SubGraphT;
import org.tensorflow.lite.schema.SubOptionsT;
import org.tensorflow.lite.schema.TensorMapT;
import org.tensorflow.lite.schema.TensorT;
import org.tensorflow.lite.schema.TensorType;
import org.tensorflow.lite.schema.TransposeOptionsT;

/**
 * Writes an {@link InferenceIr} with fully known shapes as a .tflite flatbuffer made of TFLite
 * builtin operators, with a {@code serving_default} SignatureDef carrying the IR's input and
 * output names. The {@link TflitePrecision} decides how weights are stored: float32; float16
 * weights dequantized at load; or int8 dynamic-range (per-channel int8 FULLY_CONNECTED weights
 * with float activations, int8 embedding tables dequantized at load).
 */
public final class TfliteWriter {
  /** Float constants smaller than this stay float32 in every variant (biases, LayerNorm scales). */
  static final int MIN_COMPRESSED_ELEMENTS = 1024;
  /** Gathered tables with rows this narrow are float16 in the int8 variant: w + 4 bytes per int8 row >= 2w. */
  static final int MAX_FLOAT16_ROW = 4;

  private final InferenceIr ir;
  private final TflitePrecision precision;
  private final List<BufferT> buffers = new ArrayList<>();
  private final List<TensorT> tensors = new ArrayList<>();
  private final Map<String, Integer> tensorIndex = new HashMap<>();
  private final List<OperatorCodeT> codes = new ArrayList<>();
  private final Map<Integer, Integer> codeIndex = new HashMap<>();
  private final List<OperatorT> operators = new ArrayList<>();

  private TfliteWriter(InferenceIr ir, TflitePrecision precision) {
    this.ir = ir;
    this.precision = precision;
    buffers.add(new BufferT()); // buffer 0: the empty sentinel every tensor without data points to
  }

  /** Serializes the computation; throws a {@link JtuneException} for an op with no TFLite builtin. */
  public static byte[] write(InferenceIr ir, TflitePrecision precision, String description) {
    return new TfliteWriter(ir, precision).build(description);
  }

  private byte[] build(String description) {
    int[] inputs = new int[ir.inputs().size()];
    for (int i = 0; i < inputs.length; i++) inputs[i] = activation(ir.inputs().get(i));
    for (IrNode n : ir.nodes()) lower(n);
    int[] outputs = new int[ir.outputs().size()];
    for (int i = 0; i < outputs.length; i++) outputs[i] = tensorIndex.get(ir.outputs().get(i).name());

    SubGraphT sg = new SubGraphT();
    sg.setName("main");
    sg.setTensors(tensors.toArray(new TensorT[0]));
    sg.setInputs(inputs);
    sg.setOutputs(outputs);
    sg.setOperators(operators.toArray(new OperatorT[0]));
    SignatureDefT sig = new SignatureDefT();
    sig.setSignatureKey(ClassifierTensors.SIGNATURE_KEY);
    sig.setSubgraphIndex(0);
    sig.setInputs(tensorMaps(inputs));
    sig.setOutputs(tensorMaps(outputs));
    ModelT m = new ModelT();
    m.setVersion(3);
    m.setDescription(description);
    m.setOperatorCodes(codes.toArray(new OperatorCodeT[0]));
    m.setSubgraphs(new SubGraphT[] {sg});
    m.setBuffers(buffers.toArray(new BufferT[0]));
    m.setSignatureDefs(new SignatureDefT[] {sig});
    long bytes = 0;
    for (BufferT b : buffers) bytes += b.getData() == null ? 0 : b.getData().length;
    FlatBufferBuilder fbb = new FlatBufferBuilder((int) Math.min(Integer.MAX_VALUE - 8, bytes + (1 << 20)));
    Model.finishModelBuffer(fbb, Model.pack(fbb, m));
    return fbb.sizedByteArray();
  }

  private TensorMapT[] tensorMaps(int[] idx) {
    TensorMapT[] r = new TensorMapT[idx.length];
    for (int i = 0; i < idx.length; i++) {
      r[i] = new TensorMapT();
      r[i].setName(tensors.get(idx[i]).getName());
      r[i].setTensorIndex(idx[i]);
    }
    return r;
  }

  private void lower(IrNode n) {
    switch (n.kind()) {
      case DENSE -> dense(n);
      case GATHER -> {
        if (compressedTable(n.input(0)) && n.intAttr("axis", 0) == 0) {
          compressedGather(n);
          return;
        }
        GatherOptionsT o = new GatherOptionsT();
        o.setAxis(n.intAttr("axis", 0));
        op(n, BuiltinOperator.GATHER, List.of(in(n, 0), in(n, 1)), BuiltinOptions.GatherOptions, o);
      }
      case BATCH_MATMUL -> {
        BatchMatMulOptionsT o = new BatchMatMulOptionsT();
        o.setAdjX(n.flag("adj_x"));
        o.setAdjY(n.flag("adj_y"));
        op(n, BuiltinOperator.BATCH_MATMUL, ins(n), BuiltinOptions.BatchMatMulOptions, o);
      }
      case ADD -> op(n, BuiltinOperator.ADD, ins(n), BuiltinOptions.AddOptions, new AddOptionsT());
      case SUB -> op(n, BuiltinOperator.SUB, ins(n), BuiltinOptions.SubOptions, new SubOptionsT());
      case MUL -> op(n, BuiltinOperator.MUL, ins(n), BuiltinOptions.MulOptions, new MulOptionsT());
      case DIV -> op(n, BuiltinOperator.DIV, ins(n), BuiltinOptions.DivOptions, new DivOptionsT());
      case SQUARED_DIFFERENCE -> op(n, BuiltinOperator.SQUARED_DIFFERENCE, ins(n), BuiltinOptions.SquaredDifferenceOptions, new SquaredDifferenceOptionsT());
      case MAXIMUM -> op(n, BuiltinOperator.MAXIMUM, ins(n), BuiltinOptions.MaximumMinimumOptions, new MaximumMinimumOptionsT());
      case MINIMUM -> op(n, BuiltinOperator.MINIMUM, ins(n), BuiltinOptions.MaximumMinimumOptions, new MaximumMinimumOptionsT());
      case FLOOR_MOD -> op(n, BuiltinOperator.FLOOR_MOD, ins(n), BuiltinOptions.FloorModOptions, new FloorModOptionsT());
      case POW -> op(n, BuiltinOperator.POW, ins(n), BuiltinOptions.PowOptions, new PowOptionsT());
      case SQUARE -> op(n, BuiltinOperator.SQUARE, ins(n), BuiltinOptions.NONE, null);
      case RSQRT -> op(n, BuiltinOperator.RSQRT, ins(n), BuiltinOptions.NONE, null);
      case SQRT -> op(n, BuiltinOperator.SQRT, ins(n), BuiltinOptions.NONE, null);
      case TANH -> op(n, BuiltinOperator.TANH, ins(n), BuiltinOptions.NONE, null);
      case EXP -> op(n, BuiltinOperator.EXP, ins(n), BuiltinOptions.NONE, null);
      case NEG -> op(n, BuiltinOperator.NEG, ins(n), BuiltinOptions.NONE, null);
      case RELU -> op(n, BuiltinOperator.RELU, ins(n), BuiltinOptions.NONE, null);
      case SIGMOID -> op(n, BuiltinOperator.LOGISTIC, ins(n), BuiltinOptions.NONE, null);
      case GELU -> {
        GeluOptionsT o = new GeluOptionsT();
        o.setApproximate(n.flag("approximate"));
        op(n, BuiltinOperator.GELU, ins(n), BuiltinOptions.GeluOptions, o);
      }
      case SOFTMAX -> {
        SoftmaxOptionsT o = new SoftmaxOptionsT();
        o.setBeta(1f);
        op(n, BuiltinOperator.SOFTMAX, ins(n), BuiltinOptions.SoftmaxOptions, o);
      }
      case RESHAPE -> {
        ReshapeOptionsT o = new ReshapeOptionsT();
        if (ir.isConstant(n.input(1))) o.setNewShape(ir.constant(n.input(1)).ints());
        op(n, BuiltinOperator.RESHAPE, ins(n), BuiltinOptions.ReshapeOptions, o);
      }
      case TRANSPOSE -> op(n, BuiltinOperator.TRANSPOSE, ins(n), BuiltinOptions.TransposeOptions, new TransposeOptionsT());
      case MEAN, SUM -> {
        ReducerOptionsT o = new ReducerOptionsT();
        o.setKeepDims(n.flag("keep_dims"));
        op(n, n.kind() == OpKind.MEAN ? BuiltinOperator.MEAN : BuiltinOperator.SUM, ins(n), BuiltinOptions.ReducerOptions, o);
      }
      case CAST -> {
        CastOptionsT o = new CastOptionsT();
        o.setInDataType(type(ir.spec(n.input(0)).type()));
        o.setOutDataType(type((ElementType) n.attrs().get("to")));
        op(n, BuiltinOperator.CAST, ins(n), BuiltinOptions.CastOptions, o);
      }
      case EXPAND_DIMS -> op(n, BuiltinOperator.EXPAND_DIMS, ins(n), BuiltinOptions.ExpandDimsOptions, new ExpandDimsOptionsT());
      case SQUEEZE -> {
        SqueezeOptionsT o = new SqueezeOptionsT();
        o.setSqueezeDims((int[]) n.attrs().get("axes"));
        op(n, BuiltinOperator.SQUEEZE, ins(n), BuiltinOptions.SqueezeOptions, o);
      }
      case STRIDED_SLICE -> {
        StridedSliceOptionsT o = new StridedSliceOptionsT();
        o.setBeginMask(n.intAttr("begin_mask", 0));
        o.setEndMask(n.intAttr("end_mask", 0));
        o.setShrinkAxisMask(n.intAttr("shrink_axis_mask", 0));
        op(n, BuiltinOperator.STRIDED_SLICE, ins(n), BuiltinOptions.StridedSliceOptions, o);
      }
      case SLICE -> op(n, BuiltinOperator.SLICE, List.of(in(n, 0), in(n, 1), in(n, 2)), BuiltinOptions.SliceOptions, new SliceOptionsT());
      case SHAPE -> {
        ShapeOptionsT o = new ShapeOptionsT();
        o.setOutType(TensorType.INT32);
        op(n, BuiltinOperator.SHAPE, ins(n), BuiltinOptions.ShapeOptions, o);
      }
      case FILL -> op(n, BuiltinOperator.FILL, ins(n), BuiltinOptions.FillOptions, new org.tensorflow.lite.schema.FillOptionsT());
      case PACK -> {
        PackOptionsT o = new PackOptionsT();
        o.setAxis(n.intAttr("axis", 0));
        o.setValuesCount(n.inputs().size());
        op(n, BuiltinOperator.PACK, ins(n), BuiltinOptions.PackOptions, o);
      }
      case CONCAT -> {
        ConcatenationOptionsT o = new ConcatenationOptionsT();
        o.setAxis(n.intAttr("axis", 0));
        op(n, BuiltinOperator.CONCATENATION, ins(n), BuiltinOptions.ConcatenationOptions, o);
      }
      case ERF -> throw new JtuneException("op ERF (from node '" + n.source() + "') has no TFLite builtin: "
          + "only the full exact-GELU pattern 0.5*x*(1+erf(x/sqrt(2))) can be exported to TFLite");
    }
  }

  private boolean compressedTable(String name) {
    return precision != TflitePrecision.FLOAT32 && ir.isConstant(name) && !tensorIndex.containsKey(name)
        && ir.constant(name).type() == ElementType.FLOAT32 && ir.constant(name).size() >= MIN_COMPRESSED_ELEMENTS
        && ir.constant(name).shape().length == 2;
  }

  /**
   * An embedding lookup on a compressed table gathers the compressed rows and dequantizes only
   * those, instead of dequantizing the whole table on every call: float16 rows go through
   * DEQUANTIZE; int8 rows (one scale per row) are dequantized with a unit scale and multiplied by
   * their gathered row scale. Rows of at most {@link #MAX_FLOAT16_ROW} values (a wide-and-deep
   * head's table has one value per class) stay float16 in the int8 variant too: one byte per value
   * plus a 4-byte row scale is no smaller than two bytes per value there, and less exact.
   */
  private void compressedGather(IrNode n) {
    ConstantTensor table = ir.constant(n.input(0));
    int[] shape = toInts(table.shape(), n.input(0));
    float[] v = table.floats();
    int ids = in(n, 1);
    TensorSpec out = ir.spec(n.output());
    int[] rowsShape = toInts(out.shape(), out.name());
    GatherOptionsT g = new GatherOptionsT();
    g.setAxis(0);
    if (precision == TflitePrecision.FLOAT16 || shape[1] <= MAX_FLOAT16_ROW) {
      int t = tensor(n.input(0) + "/fp16", shape, TensorType.FLOAT16, halfBytes(v), null);
      int rows = tensor(out.name() + "/fp16_rows", rowsShape, TensorType.FLOAT16, null, null);
      operator(BuiltinOperator.GATHER, new int[] {t, ids}, new int[] {rows}, BuiltinOptions.GatherOptions, g);
      operator(BuiltinOperator.DEQUANTIZE, new int[] {rows}, new int[] {activation(out)}, BuiltinOptions.DequantizeOptions, new DequantizeOptionsT());
      return;
    }
    int vocab = shape[0], width = shape[1];
    float[] scales = new float[vocab];
    byte[] q = new byte[v.length];
    for (int r = 0; r < vocab; r++) {
      float max = 0;
      for (int j = 0; j < width; j++) max = Math.max(max, Math.abs(v[r * width + j]));
      scales[r] = max == 0 ? 1f : max / 127f;
      for (int j = 0; j < width; j++) q[r * width + j] = (byte) Math.max(-127, Math.min(127, Math.round(v[r * width + j] / scales[r])));
    }
    QuantizationParametersT unit = new QuantizationParametersT();
    unit.setScale(new float[] {1f});
    unit.setZeroPoint(new long[] {0});
    int t = tensor(n.input(0) + "/int8_rows", shape, TensorType.INT8, q, unit);
    int rows = tensor(out.name() + "/int8", rowsShape, TensorType.INT8, null, unit);
    operator(BuiltinOperator.GATHER, new int[] {t, ids}, new int[] {rows}, BuiltinOptions.GatherOptions, g);
    int[] scaleShape = rowsShape.clone();
    scaleShape[scaleShape.length - 1] = 1;
    int deq = tensor(out.name() + "/unscaled", rowsShape, TensorType.FLOAT32, null, null);
    operator(BuiltinOperator.DEQUANTIZE, new int[] {rows}, new int[] {deq}, BuiltinOptions.DequantizeOptions, new DequantizeOptionsT());
    int scaleTable = tensor(n.input(0) + "/row_scales", new int[] {vocab, 1}, TensorType.FLOAT32, bytes(scales), null);
    int rowScales = tensor(out.name() + "/row_scales", scaleShape, TensorType.FLOAT32, null, null);
    GatherOptionsT g2 = new GatherOptionsT();
    g2.setAxis(0);
    operator(BuiltinOperator.GATHER, new int[] {scaleTable, ids}, new int[] {rowScales}, BuiltinOptions.GatherOptions, g2);
    operator(BuiltinOperator.MUL, new int[] {deq, rowScales}, new int[] {activation(out)}, BuiltinOptions.MulOptions, new MulOptionsT());
  }

  /** FULLY_CONNECTED wants weights [out, in]; int8 weights get one scale per output channel. */
  private void dense(IrNode n) {
    ConstantTensor kernel = ir.constant(n.input(1));
    long[] ks = kernel.shape();
    int in = (int) ks[0], out = (int) ks[1];
    float[] k = kernel.floats();
    float[] t = new float[k.length];
    for (int r = 0; r < in; r++) for (int c = 0; c < out; c++) t[c * in + r] = k[r * out + c];
    String wName = n.input(1) + "/fc_weights";
    int w;
    boolean hybrid = precision == TflitePrecision.INT8;
    if (hybrid) {
      w = int8PerChannel(wName, new int[] {out, in}, t);
    } else {
      w = floatWeight(wName, new int[] {out, in}, t);
    }
    List<Integer> inputs = new ArrayList<>(List.of(in(n, 0), w));
    if (n.inputs().size() > 2) inputs.add(constantTensor(n.input(2)));
    FullyConnectedOptionsT o = new FullyConnectedOptionsT();
    o.setKeepNumDims(ir.spec(n.input(0)).rank() > 2);
    o.setAsymmetricQuantizeInputs(hybrid);
    op(n, BuiltinOperator.FULLY_CONNECTED, inputs, BuiltinOptions.FullyConnectedOptions, o);
  }

  private List<Integer> ins(IrNode n) {
    List<Integer> r = new ArrayList<>();
    for (int i = 0; i < n.inputs().size(); i++) r.add(in(n, i));
    return r;
  }

  private int in(IrNode n, int i) {
    String name = n.input(i);
    Integer idx = tensorIndex.get(name);
    if (idx != null) return idx;
    if (ir.isConstant(name)) return constantTensor(name);
    throw new IllegalStateException("tensor " + name + " used before it is defined");
  }

  private int constantTensor(String name) {
    Integer idx = tensorIndex.get(name);
    if (idx != null) return idx;
    ConstantTensor c = ir.constant(name);
    int[] shape = toInts(c.shape(), name);
    if (c.type() == ElementType.INT32) {
      idx = tensor(name, shape, TensorType.INT32, bytes(c.ints()), null);
    } else {
      idx = floatWeight(name, shape, c.floats());
    }
    tensorIndex.put(name, idx);
    return idx;
  }

  /** A float constant in the variant's storage type; float32 consumers read it through DEQUANTIZE. */
  private int floatWeight(String name, int[] shape, float[] v) {
    if (v.length < MIN_COMPRESSED_ELEMENTS || precision == TflitePrecision.FLOAT32) {
      return tensor(name, shape, TensorType.FLOAT32, bytes(v), null);
    }
    int stored = precision == TflitePrecision.FLOAT16
        ? tensor(name + "/fp16", shape, TensorType.FLOAT16, halfBytes(v), null)
        : int8PerChannel(name + "/int8", shape, v);
    int deq = tensor(name, shape, TensorType.FLOAT32, null, null);
    operator(BuiltinOperator.DEQUANTIZE, new int[] {stored}, new int[] {deq}, BuiltinOptions.DequantizeOptions, new DequantizeOptionsT());
    return deq;
  }

  /** Symmetric int8 with one scale per slice along dimension 0 (zero point 0). */
  private int int8PerChannel(String name, int[] shape, float[] v) {
    int channels = shape[0];
    int per = v.length / channels;
    float[] scales = new float[channels];
    byte[] q = new byte[v.length];
    for (int c = 0; c < channels; c++) {
      float max = 0;
      for (int j = 0; j < per; j++) max = Math.max(max, Math.abs(v[c * per + j]));
      float s = max == 0 ? 1f : max / 127f;
      scales[c] = s;
      for (int j = 0; j < per; j++) q[c * per + j] = (byte) Math.max(-127, Math.min(127, Math.round(v[c * per + j] / s)));
    }
    QuantizationParametersT qp = new QuantizationParametersT();
    qp.setScale(scales);
    qp.setZeroPoint(new long[channels]);
    qp.setQuantizedDimension(0);
    return tensor(name, shape, TensorType.INT8, q, qp);
  }

  private int activation(TensorSpec s) {
    int idx = tensor(s.name(), toInts(s.shape(), s.name()), type(s.type()), null, null);
    tensorIndex.put(s.name(), idx);
    return idx;
  }

  private void op(IrNode n, int builtin, List<Integer> inputs, byte optionsType, Object options) {
    int[] outs = new int[n.outputs().size()];
    for (int i = 0; i < outs.length; i++) outs[i] = activation(ir.spec(n.outputs().get(i)));
    operator(builtin, inputs.stream().mapToInt(Integer::intValue).toArray(), outs, optionsType, options);
  }

  private void operator(int builtin, int[] inputs, int[] outputs, byte optionsType, Object options) {
    Integer code = codeIndex.get(builtin);
    if (code == null) {
      OperatorCodeT c = new OperatorCodeT();
      c.setBuiltinCode(builtin);
      // codes above 127 live only in builtin_code; the deprecated byte holds the placeholder 127
      c.setDeprecatedBuiltinCode((byte) Math.min(builtin, BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES));
      c.setVersion(builtin == BuiltinOperator.FULLY_CONNECTED && precision == TflitePrecision.INT8 ? 7
          : builtin == BuiltinOperator.DEQUANTIZE && precision == TflitePrecision.INT8 ? 4 : 1);
      codes.add(c);
      code = codes.size() - 1;
      codeIndex.put(builtin, code);
    }
    OperatorT o = new OperatorT();
    o.setOpcodeIndex(code);
    o.setInputs(inputs);
    o.setOutputs(outputs);
    if (options != null) {
      BuiltinOptionsUnion u = new BuiltinOptionsUnion();
      u.setType(optionsType);
      u.setValue(options);
      o.setBuiltinOptions(u);
    }
    operators.add(o);
  }

  private int tensor(String name, int[] shape, byte type, byte[] data, QuantizationParametersT q) {
    TensorT t = new TensorT();
    t.setName(name);
    t.setShape(shape);
    t.setType(type);
    int buffer = 0;
    if (data != null) {
      BufferT b = new BufferT();
      int[] d = new int[data.length];
      for (int i = 0; i < d.length; i++) d[i] = data[i] & 0xff;
      b.setData(d);
      buffers.add(b);
      buffer = buffers.size() - 1;
    }
    t.setBuffer(buffer);
    if (q != null) t.setQuantization(q);
    tensors.add(t);
    return tensors.size() - 1;
  }

  private static byte type(ElementType t) {
    return t == ElementType.FLOAT32 ? TensorType.FLOAT32 : TensorType.INT32;
  }

  private static int[] toInts(long[] shape, String name) {
    if (shape == null) throw new IllegalArgumentException("tensor " + name + " has an unknown rank; TFLite needs a fixed input shape");
    int[] r = new int[shape.length];
    for (int i = 0; i < r.length; i++) {
      if (shape[i] < 0) throw new IllegalArgumentException("tensor " + name + " has a dynamic dimension; lower the graph with a fixed input shape for TFLite");
      r[i] = Math.toIntExact(shape[i]);
    }
    return r;
  }

  private static byte[] bytes(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) b.putFloat(x);
    return b.array();
  }

  private static byte[] bytes(int[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int x : v) b.putInt(x);
    return b.array();
  }

  private static byte[] halfBytes(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) b.putShort(HalfFloat.fromFloat(x));
    return b.array();
  }
}
