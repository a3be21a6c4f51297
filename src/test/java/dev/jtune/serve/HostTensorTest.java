package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Tensor;

/** Merging, padding, splitting and the round trip through native tensors. */
class HostTensorTest {

  @Test
  void concatZeroPadsTrailingDimensionsInRowMajorOrder() {
    HostTensor a = HostTensor.ofInts(new long[] {1, 2, 2}, new int[] {1, 2, 3, 4});
    HostTensor b = HostTensor.ofInts(new long[] {1, 1, 3}, new int[] {5, 6, 7});
    HostTensor m = HostTensor.concat(List.of(a, b), true);
    assertArrayEquals(new long[] {2, 2, 3}, m.shape());
    assertArrayEquals(new int[] {1, 2, 0, 3, 4, 0, 5, 6, 7, 0, 0, 0}, m.ints());
    assertThrows(IllegalArgumentException.class, () -> HostTensor.concat(List.of(a, b), false));
  }

  @Test
  void rowsSplitWhatConcatJoined() {
    HostTensor a = HostTensor.ofFloats(new long[] {2, 2}, new float[] {1, 2, 3, 4});
    HostTensor b = HostTensor.ofFloats(new long[] {1, 2}, new float[] {5, 6});
    HostTensor m = HostTensor.concat(List.of(a, b), false);
    assertEquals(a, m.rows(0, 2));
    assertEquals(b, m.rows(2, 3));
  }

  @Test
  void everyCarriedDtypeSurvivesTheNativeRoundTrip() {
    List<HostTensor> all =
        List.of(
            new HostTensor(DType.FLOAT, new long[] {2}, new float[] {1.5f, Float.NaN}),
            new HostTensor(DType.HALF, new long[] {2}, new float[] {0.5f, -2f}),
            new HostTensor(DType.BFLOAT16, new long[] {1}, new float[] {3f}),
            new HostTensor(DType.DOUBLE, new long[] {1, 1}, new double[] {1e-300}),
            new HostTensor(DType.INT32, new long[] {2}, new int[] {-7, Integer.MAX_VALUE}),
            new HostTensor(DType.INT64, new long[] {1}, new long[] {Long.MIN_VALUE}),
            new HostTensor(DType.UINT8, new long[] {2}, new int[] {0, 255}),
            new HostTensor(DType.UINT16, new long[] {1}, new int[] {65535}),
            new HostTensor(DType.BOOL, new long[] {2}, new boolean[] {true, false}),
            new HostTensor(DType.STRING, new long[] {2}, new byte[][] {"héllo".getBytes(java.nio.charset.StandardCharsets.UTF_8), {0, (byte) 0xff}}),
            new HostTensor(DType.FLOAT, new long[] {}, new float[] {4f}));
    for (HostTensor h : all) {
      try (Tensor t = h.toTensor()) {
        assertEquals(h, HostTensor.of(t), h.toString());
      }
    }
  }
}
