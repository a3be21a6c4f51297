package dev.jtune.export.ir;

import dev.jtune.JtuneException;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.ByteDataBuffer;

/** Copies the values of a fetched TensorFlow tensor into a {@link ConstantTensor}. */
final class TensorValues {
  private TensorValues() {}

  static ConstantTensor constant(Tensor t, String name) {
    long[] shape = t.shape().asArray();
    int n = Math.toIntExact(t.shape().size());
    ByteDataBuffer data = t.asRawTensor().data();
    return switch (t.dataType()) {
      case DT_FLOAT -> {
        float[] v = new float[n];
        data.asFloats().read(v);
        yield ConstantTensor.ofFloats(shape, v);
      }
      case DT_INT32 -> {
        int[] v = new int[n];
        data.asInts().read(v);
        yield ConstantTensor.ofInts(shape, v);
      }
      case DT_INT64 -> {
        long[] l = new long[n];
        data.asLongs().read(l);
        int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = Math.toIntExact(l[i]);
        yield ConstantTensor.ofInts(shape, v);
      }
      default -> throw new JtuneException("constant '" + name + "' has type " + t.dataType() + "; export supports float32 and int32 constants");
    };
  }
}
