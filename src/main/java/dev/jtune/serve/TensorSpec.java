package dev.jtune.serve;

import java.util.Arrays;

/**
 * One input or output of a signature as the SavedModel declares it.
 *
 * @param key the signature's name for it (what JSON requests use)
 * @param tensorName the graph tensor it is bound to, e.g. {@code serving_default_x:0}
 * @param dtype TF data type name ({@code DT_FLOAT}); kept as a name so metadata can show dtypes
 *     the server cannot carry
 * @param shape dimensions, -1 for unknown; null when the rank is unknown
 */
public record TensorSpec(String key, String tensorName, String dtype, long[] shape) {

  /** The dtype this server can carry, or empty when it cannot. */
  public java.util.Optional<DType> carriedType() {
    return Arrays.stream(DType.values()).filter(d -> d.tfName().equals(dtype)).findFirst();
  }

  @Override
  public long[] shape() {
    return shape == null ? null : shape.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorSpec t
        && t.key.equals(key)
        && t.tensorName.equals(tensorName)
        && t.dtype.equals(dtype)
        && Arrays.equals(t.shape, shape);
  }

  @Override
  public int hashCode() {
    return key.hashCode();
  }

  @Override
  public String toString() {
    return key + ":" + dtype + (shape == null ? "[?]" : Arrays.toString(shape));
  }
}
