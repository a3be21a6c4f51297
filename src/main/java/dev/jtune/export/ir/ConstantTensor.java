package dev.jtune.export.ir;

import java.util.Arrays;

/**
 * A constant of the inference computation (a weight, a bias, a shape or axis list), holding
 * either float or int32 values in row-major order.
 */
public final class ConstantTensor {
  private final ElementType type;
  private final long[] shape;
  private final float[] floats;
  private final int[] ints;

  private ConstantTensor(ElementType type, long[] shape, float[] floats, int[] ints) {
    long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    int have = floats != null ? floats.length : ints.length;
    if (n != have) {
      throw new IllegalArgumentException("constant of shape " + Arrays.toString(shape) + " needs " + n + " values, got " + have);
    }
    this.type = type;
    this.shape = shape.clone();
    this.floats = floats;
    this.ints = ints;
  }

  public static ConstantTensor ofFloats(long[] shape, float[] values) {
    return new ConstantTensor(ElementType.FLOAT32, shape, values.clone(), null);
  }

  public static ConstantTensor ofInts(long[] shape, int[] values) {
    return new ConstantTensor(ElementType.INT32, shape, null, values.clone());
  }

  public static ConstantTensor scalar(float v) {
    return ofFloats(new long[0], new float[] {v});
  }

  public ElementType type() {
    return type;
  }

  public long[] shape() {
    return shape.clone();
  }

  public int size() {
    return floats != null ? floats.length : ints.length;
  }

  /** Float values (a copy); int constants are converted. */
  public float[] floats() {
    if (floats != null) return floats.clone();
    float[] r = new float[ints.length];
    for (int i = 0; i < r.length; i++) r[i] = ints[i];
    return r;
  }

  /** Int values (a copy); only for int32 constants. */
  public int[] ints() {
    if (ints == null) throw new IllegalStateException("constant is float32, not int32");
    return ints.clone();
  }

  /** The single value of a constant with one element, as a double. */
  public double scalarValue() {
    if (size() != 1) throw new IllegalStateException("constant has " + size() + " values, not 1");
    return floats != null ? floats[0] : ints[0];
  }

  public TensorSpec spec(String name) {
    return new TensorSpec(name, type, shape);
  }
}
