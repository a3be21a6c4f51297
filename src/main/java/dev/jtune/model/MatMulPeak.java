package dev.jtune.model;

import dev.jtune.io.CpuInfo;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TNumber;

/**
 * The matrix-multiply throughput TensorFlow reaches on this machine, on the shapes of an encoder's
 * feed-forward block ([tokens, hidden] x [hidden, inner], then back to hidden): the peak a model's
 * achieved GFLOP/s is compared with. One session run chains {@code pairs} such pairs (so the
 * per-run overhead is small) over variables, which graph optimisation cannot fold away; the best of
 * the timed runs counts. bf16 casts the inputs once per run and multiplies in bfloat16 (what oneDNN
 * runs on AVX512_BF16 or AMX); a TensorFlow build without a bf16 MatMul kernel reports it as not
 * available.
 */
public final class MatMulPeak {
  /** Element type of the multiplications. */
  public enum Precision { FP32, BF16 }

  /**
   * One measurement.
   *
   * @param gflops best GFLOP/s over the timed runs (NaN when not available)
   * @param available false when this TensorFlow cannot multiply in that precision
   * @param note why not available, else empty
   */
  public record Measurement(Precision precision, int tokens, int hidden, int inner, double gflops, boolean available, String note) {}

  private MatMulPeak() {}

  /** Measures {@code precision} on [tokens, hidden] x [hidden, inner] x [inner, hidden], {@code runs} timed runs after 2 warm-up runs. */
  public static Measurement measure(Precision precision, int tokens, int hidden, int inner, int pairs, int runs, int threads) {
    if (tokens < 1 || hidden < 1 || inner < 1 || pairs < 1 || runs < 1) {
      throw new IllegalArgumentException("shapes, pairs and runs must be >= 1");
    }
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph), init = tf.withInitScope();
      SplittableRandom random = new SplittableRandom(7);
      // uniform(-1, 1) scaled by sqrt(3 / fan_in) keeps the activations' variance through the chain (no denormals)
      Operand<TFloat32> x = tf.variable(init.constant(Shape.of(tokens, hidden), uniform(random, tokens * hidden, 1)));
      Operand<TFloat32> up = tf.variable(init.constant(Shape.of(hidden, inner), uniform(random, hidden * inner, Math.sqrt(3.0 / hidden))));
      Operand<TFloat32> down = tf.variable(init.constant(Shape.of(inner, hidden), uniform(random, inner * hidden, Math.sqrt(3.0 / inner))));
      Operand<TFloat32> out = precision == Precision.FP32 ? chain(tf, x, up, down, pairs)
          : tf.dtypes.cast(chain(tf, tf.dtypes.cast(x, TBfloat16.class), tf.dtypes.cast(up, TBfloat16.class),
              tf.dtypes.cast(down, TBfloat16.class), pairs), TFloat32.class);
      Operand<TFloat32> sum = tf.reduceSum(out, tf.constant(new int[] {0, 1}));
      ConfigProto.Builder config = ConfigProto.newBuilder();
      if (threads > 0) config.setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(1);
      try (Session session = new Session(graph, config.build())) {
        session.initialize();
        double[] seconds = new double[runs];
        try {
          for (int i = 0; i < 2; i++) {
            try (Result warmUp = session.runner().fetch(sum).run()) {
              // warm-up: first runs optimise the graph and create the kernels
            }
          }
        } catch (RuntimeException e) {
          return new Measurement(precision, tokens, hidden, inner, Double.NaN, false, firstLine(e.getMessage()));
        }
        for (int i = 0; i < runs; i++) {
          long t0 = System.nanoTime();
          try (Result r = session.runner().fetch(sum).run()) {
            seconds[i] = (System.nanoTime() - t0) / 1e9;
          }
        }
        double best = Arrays.stream(seconds).min().orElseThrow();
        return new Measurement(precision, tokens, hidden, inner, flops(tokens, hidden, inner, pairs) / best / 1e9, true, "");
      }
    }
  }

  /**
   * The peak GFLOP/s a benchmark prints beside its model's figures: {@code fp32} always, {@code bf16}
   * where the CPU has bf16 dot products (else a sentence saying why not), on the feed-forward shapes
   * of {@code encoder}'s first layer with {@code tokens} rows, and the shape itself.
   */
  public static Map<String, Object> report(CpuInfo cpu, int tokens, BertConfig encoder, int threads) {
    int hidden = encoder.hiddenSize(), inner = encoder.layerShape(0).intermediateSize();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("shape", "[" + tokens + "," + hidden + "]x[" + hidden + "," + inner + "]x[" + inner + "," + hidden + "]");
    out.put("fp32", round(measure(Precision.FP32, tokens, hidden, inner, 4, 7, threads).gflops()));
    if (cpu.hasBf16DotProducts()) {
      Measurement bf16 = measure(Precision.BF16, tokens, hidden, inner, 4, 7, threads);
      out.put("bf16", bf16.available() ? round(bf16.gflops()) : "not available: " + bf16.note());
    } else {
      out.put("bf16", "not measured: the CPU has no bf16 dot products (avx512_bf16 / amx_bf16)");
    }
    return out;
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  /** Floating-point operations of one run: {@code pairs} x (up + down), 2 per multiply-add. */
  static double flops(int tokens, int hidden, int inner, int pairs) {
    return pairs * 2.0 * (2.0 * tokens * hidden * inner);
  }

  private static <T extends TNumber> Operand<T> chain(Ops tf, Operand<T> x, Operand<T> up, Operand<T> down, int pairs) {
    Operand<T> h = x;
    for (int i = 0; i < pairs; i++) h = tf.linalg.matMul(tf.linalg.matMul(h, up), down);
    return h;
  }

  private static FloatDataBuffer uniform(SplittableRandom random, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
    return DataBuffers.of(v, true, false);
  }

  private static String firstLine(String message) {
    if (message == null) return "failed";
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
