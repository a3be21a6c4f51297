package dev.jtune.serve;

import java.util.Arrays;

/**
 * The elements of one tensor as they are read from JSON, in row-major order, in a primitive array
 * of the dtype's {@link DType.Kind} that grows as values arrive (no boxing, no per-value object
 * except the byte[] of a string).
 */
final class ElementBuffer {
  private final DType dtype;
  private Object array;
  private int size;

  ElementBuffer(DType dtype) {
    this.dtype = dtype;
    this.array =
        switch (dtype.kind()) {
          case FLOAT -> new float[16];
          case DOUBLE -> new double[16];
          case INT -> new int[16];
          case LONG -> new long[16];
          case BOOL -> new boolean[16];
          case BYTES -> new byte[16][];
        };
  }

  DType dtype() {
    return dtype;
  }

  int size() {
    return size;
  }

  void addFloat(float v) {
    if (size == ((float[]) array).length) grow();
    ((float[]) array)[size++] = v;
  }

  void addDouble(double v) {
    if (size == ((double[]) array).length) grow();
    ((double[]) array)[size++] = v;
  }

  void addInt(int v) {
    if (size == ((int[]) array).length) grow();
    ((int[]) array)[size++] = v;
  }

  void addLong(long v) {
    if (size == ((long[]) array).length) grow();
    ((long[]) array)[size++] = v;
  }

  void addBool(boolean v) {
    if (size == ((boolean[]) array).length) grow();
    ((boolean[]) array)[size++] = v;
  }

  void addBytes(byte[] v) {
    if (size == ((byte[][]) array).length) grow();
    ((byte[][]) array)[size++] = v;
  }

  private void grow() {
    int capacity = java.lang.reflect.Array.getLength(array);
    int next = (int) Math.min(Integer.MAX_VALUE - 8L, Math.max(16L, capacity * 2L));
    if (next <= capacity) throw new ApiException(413, "a tensor of more than " + capacity + " elements cannot be held");
    array =
        switch (dtype.kind()) {
          case FLOAT -> Arrays.copyOf((float[]) array, next);
          case DOUBLE -> Arrays.copyOf((double[]) array, next);
          case INT -> Arrays.copyOf((int[]) array, next);
          case LONG -> Arrays.copyOf((long[]) array, next);
          case BOOL -> Arrays.copyOf((boolean[]) array, next);
          case BYTES -> Arrays.copyOf((byte[][]) array, next);
        };
  }

  /** The elements as a tensor of {@code shape}, whose element count must be {@link #size()}; the buffer is spent. */
  HostTensor toTensor(long[] shape) {
    Object exact =
        java.lang.reflect.Array.getLength(array) == size
            ? array
            : switch (dtype.kind()) {
              case FLOAT -> Arrays.copyOf((float[]) array, size);
              case DOUBLE -> Arrays.copyOf((double[]) array, size);
              case INT -> Arrays.copyOf((int[]) array, size);
              case LONG -> Arrays.copyOf((long[]) array, size);
              case BOOL -> Arrays.copyOf((boolean[]) array, size);
              case BYTES -> Arrays.copyOf((byte[][]) array, size);
            };
    array = null;
    return new HostTensor(dtype, shape, exact);
  }
}
