package dev.jtune.export.ir;

import java.util.Arrays;

/**
 * Name, element type and shape of one tensor of the inference computation. A dimension of -1 is
 * not known until run time (batch, sequence length); a null shape means the rank is unknown.
 */
public record TensorSpec(String name, ElementType type, long[] shape) {
  public TensorSpec {
    if (name == null || name.isBlank()) throw new IllegalArgumentException("tensor name is empty");
    if (type == null) throw new IllegalArgumentException("tensor " + name + " has no element type");
    shape = shape == null ? null : shape.clone();
  }

  @Override
  public long[] shape() {
    return shape == null ? null : shape.clone();
  }

  public int rank() {
    return shape == null ? -1 : shape.length;
  }

  /** True when every dimension is known. */
  public boolean isStatic() {
    return shape != null && Arrays.stream(shape).allMatch(d -> d >= 0);
  }

  public TensorSpec renamed(String newName) {
    return new TensorSpec(newName, type, shape);
  }

  @Override
  public String toString() {
    return name + ":" + type + Arrays.toString(shape);
  }
}
