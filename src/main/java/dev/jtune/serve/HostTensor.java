package dev.jtune.serve;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint16;
import org.tensorflow.types.TUint8;

/**
 * A tensor held in Java memory (row-major flat array + shape): what a request decodes to and a
 * response encodes from. Keeping requests on the heap lets the batcher merge and split them
 * freely; native TF tensors exist only for the duration of one session call.
 *
 * @param dtype element type
 * @param shape dimensions; empty for a scalar
 * @param data float[], double[], int[], long[], boolean[] or byte[][] as given by {@link DType#kind()}
 */
public record HostTensor(DType dtype, long[] shape, Object data) {

  public HostTensor {
    shape = shape.clone();
    long n = elementCount(shape);
    if (Array.getLength(data) != n) {
      throw new IllegalArgumentException(
          "data has " + Array.getLength(data) + " elements, shape " + Arrays.toString(shape) + " needs " + n);
    }
  }

  public static HostTensor ofFloats(long[] shape, float[] data) {
    return new HostTensor(DType.FLOAT, shape, data);
  }

  public static HostTensor ofInts(long[] shape, int[] data) {
    return new HostTensor(DType.INT32, shape, data);
  }

  public static long elementCount(long[] shape) {
    long n = 1;
    for (long d : shape) n *= d;
    return n;
  }

  public int rank() {
    return shape.length;
  }

  /** Size of dimension 0 (the batch), or -1 for a scalar. */
  public long batchSize() {
    return shape.length == 0 ? -1 : shape[0];
  }

  public int elementCount() {
    return Array.getLength(data);
  }

  public float[] floats() {
    return (float[]) data;
  }

  public int[] ints() {
    return (int[]) data;
  }

  /** Dimensions after the batch dimension, e.g. "[7,3]"; requests merge only when these agree. */
  public String rowShapeKey() {
    return Arrays.toString(Arrays.copyOfRange(shape, Math.min(1, shape.length), shape.length));
  }

  /** Rows [from, to) along dimension 0. */
  public HostTensor rows(int from, int to) {
    int rowSize = rowSize();
    long[] s = shape.clone();
    s[0] = to - from;
    Object out = Array.newInstance(data.getClass().getComponentType(), (to - from) * rowSize);
    System.arraycopy(data, from * rowSize, out, 0, (to - from) * rowSize);
    return new HostTensor(dtype, s, out);
  }

  private int rowSize() {
    if (shape.length == 0) throw new IllegalStateException("a scalar has no rows");
    return shape[0] == 0 ? (int) elementCount(Arrays.copyOfRange(shape, 1, shape.length)) : elementCount() / (int) shape[0];
  }

  /**
   * Concatenates tensors along dimension 0. With {@code pad}, shorter trailing dimensions are
   * zero-padded to the longest (TF Serving's pad_variable_length_inputs); otherwise they must agree.
   */
  public static HostTensor concat(List<HostTensor> parts, boolean pad) {
    HostTensor first = parts.get(0);
    if (parts.size() == 1) return first;
    long[] target = first.shape.clone();
    long rows = 0;
    for (HostTensor p : parts) {
      if (p.dtype != first.dtype || p.rank() != first.rank() || p.rank() == 0) {
        throw new IllegalArgumentException("cannot batch tensors of different dtype or rank");
      }
      for (int d = 1; d < target.length; d++) {
        if (p.shape[d] != target[d]) {
          if (!pad) throw new IllegalArgumentException("cannot batch tensors of different shapes");
          target[d] = Math.max(target[d], p.shape[d]);
        }
      }
      rows += p.shape[0];
    }
    target[0] = rows;
    Object out = Array.newInstance(first.data.getClass().getComponentType(), (int) elementCount(target));
    if (first.dtype.kind() == DType.Kind.BYTES) Arrays.fill((byte[][]) out, new byte[0]);
    int offset = 0;
    for (HostTensor p : parts) {
      offset = copyPadded(p, target, out, offset);
    }
    return new HostTensor(first.dtype, target, out);
  }

  /** Copies p into out (whose row shape is target's) at the given flat offset; returns the next offset. */
  private static int copyPadded(HostTensor p, long[] target, Object out, int offset) {
    long[] src = p.shape;
    boolean same = true;
    for (int d = 1; d < target.length; d++) same &= src[d] == target[d];
    if (same) {
      System.arraycopy(p.data, 0, out, offset, p.elementCount());
      return offset + p.elementCount();
    }
    // copy innermost runs one at a time, walking the source index space
    int rank = target.length;
    int inner = (int) src[rank - 1];
    long[] targetStrides = strides(target);
    int runs = inner == 0 ? 0 : p.elementCount() / inner;
    long[] idx = new long[rank];
    for (int r = 0; r < runs; r++) {
      long flat = r;
      for (int d = rank - 2; d >= 0; d--) {
        idx[d] = flat % src[d];
        flat /= src[d];
      }
      long dst = 0;
      for (int d = 0; d < rank - 1; d++) dst += idx[d] * targetStrides[d];
      System.arraycopy(p.data, r * inner, out, (int) (offset + dst), inner);
    }
    return offset + (int) (src[0] * targetStrides[0]);
  }

  private static long[] strides(long[] shape) {
    long[] s = new long[shape.length];
    long acc = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      s[d] = acc;
      acc *= shape[d];
    }
    return s;
  }

  /** A new native tensor holding a copy of this data; the caller closes it. */
  public Tensor toTensor() {
    Shape s = Shape.of(shape);
    return switch (dtype) {
      case FLOAT -> TFloat32.tensorOf(s, DataBuffers.of((float[]) data, true, false));
      case HALF -> TFloat16.tensorOf(s, DataBuffers.of((float[]) data, true, false));
      case BFLOAT16 -> TBfloat16.tensorOf(s, DataBuffers.of((float[]) data, true, false));
      case DOUBLE -> TFloat64.tensorOf(s, DataBuffers.of((double[]) data, true, false));
      case INT32 -> TInt32.tensorOf(s, DataBuffers.of((int[]) data, true, false));
      case INT64 -> TInt64.tensorOf(s, DataBuffers.of((long[]) data, true, false));
      case BOOL -> TBool.tensorOf(s, DataBuffers.of((boolean[]) data, true, false));
      case STRING -> TString.tensorOfBytes(s, DataBuffers.ofObjects((byte[][]) data));
      case UINT8 -> {
        int[] v = (int[]) data;
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        yield TUint8.tensorOf(s, DataBuffers.of(b, true, false));
      }
      case UINT16 -> {
        int[] v = (int[]) data;
        short[] b = new short[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (short) v[i];
        yield TUint16.tensorOf(s, DataBuffers.of(b, true, false));
      }
    };
  }

  /** Copies a native tensor into Java memory (the tensor stays owned by the caller). */
  public static HostTensor of(Tensor t) {
    DType dtype =
        DType.of(t.dataType())
            .orElseThrow(() -> new IllegalArgumentException("unsupported output dtype " + t.dataType()));
    long[] shape = t.shape().asArray();
    int n = (int) elementCount(shape);
    Object data =
        switch (dtype) {
          case FLOAT -> read(n, a -> ((TFloat32) t).copyTo(DataBuffers.of((float[]) a, false, false)), new float[n]);
          case HALF -> read(n, a -> ((TFloat16) t).copyTo(DataBuffers.of((float[]) a, false, false)), new float[n]);
          case BFLOAT16 -> read(n, a -> ((TBfloat16) t).copyTo(DataBuffers.of((float[]) a, false, false)), new float[n]);
          case DOUBLE -> read(n, a -> ((TFloat64) t).copyTo(DataBuffers.of((double[]) a, false, false)), new double[n]);
          case INT32 -> read(n, a -> ((TInt32) t).copyTo(DataBuffers.of((int[]) a, false, false)), new int[n]);
          case INT64 -> read(n, a -> ((TInt64) t).copyTo(DataBuffers.of((long[]) a, false, false)), new long[n]);
          case BOOL -> read(n, a -> ((TBool) t).copyTo(DataBuffers.of((boolean[]) a, false, false)), new boolean[n]);
          case STRING -> read(n, a -> ((TString) t).asBytes().copyTo(DataBuffers.ofObjects((byte[][]) a)), new byte[n][]);
          case UINT8 -> {
            byte[] b = new byte[n];
            ((TUint8) t).copyTo(DataBuffers.of(b, false, false));
            int[] v = new int[n];
            for (int i = 0; i < n; i++) v[i] = b[i] & 0xFF;
            yield v;
          }
          case UINT16 -> {
            short[] b = new short[n];
            ((TUint16) t).copyTo(DataBuffers.of(b, false, false));
            int[] v = new int[n];
            for (int i = 0; i < n; i++) v[i] = b[i] & 0xFFFF;
            yield v;
          }
        };
    return new HostTensor(dtype, shape, data);
  }

  private static Object read(int n, java.util.function.Consumer<Object> reader, Object array) {
    if (n > 0) reader.accept(array);
    return array;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HostTensor h
        && h.dtype == dtype
        && Arrays.equals(h.shape, shape)
        && Arrays.deepEquals(new Object[] {h.data}, new Object[] {data});
  }

  @Override
  public int hashCode() {
    return dtype.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return "HostTensor[" + dtype + " " + Arrays.toString(shape) + "]";
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }
}
