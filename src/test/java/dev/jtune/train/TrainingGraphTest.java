package dev.jtune.train;

import dev.jtune.model.ClassifierHead;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/** One training step through the graph of cached features, against the cross-entropy gradient and the AdamW formula by hand. */
class TrainingGraphTest {
  static final int H = 32, ROWS = 4;
  static final double LR = 0.05, WD = 0.01, B1 = 0.9, B2 = 0.999, EPS = 1e-8;
  static final int[] LABELS = {0, 1, 1, 0};
  static final double[] CLASS_WEIGHTS = {1, 3};

  @TempDir Path dir;

  /** Cached features of {@code rows} rows: a float32 little-endian file, as the feature cache writes it. */
  static FeatureCache features(Path file, float[] values, int rows) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    Files.write(file, b.array());
    return FeatureCache.open(file, rows, values.length / rows, 1 << 20).orElseThrow();
  }

  @Test
  void oneStepFollowsTheCrossEntropyGradientAndAdamW() throws IOException {
    TrainingConfig c = TrainerTest.config(Map.of("head.layers", 1, "head.dropout", 0.0, "schedule.kind", "constant",
        "schedule.warmup_steps", 0, "optimizer.learning_rate", LR, "optimizer.max_grad_norm", 0.0, "loss.class_weights", "[1, 3]"));
    float[] x = new float[ROWS * H];
    Random r = new Random(5);
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 0.5);
    List<int[]> tokens = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) tokens.add(new int[] {1, 2});
    EncodedSplit split = new EncodedSplit(tokens, LABELS);
    FeatureCache cache = features(dir.resolve("f.f32"), x, ROWS);
    try (Graph graph = new Graph()) {
      TrainingGraph g = new TrainingGraph(graph, c, TinyEncoder.CONFIG, 2, Loss.forRun(c, TrainerTest.LABELS, split), 10, TrainingGraph.Inputs.POOLED_FEATURES);
      assertEquals(H * 2 + 2, g.trainedParameters(), "kernel [32, 2] and bias [2]");
      try (Session s = new Session(graph)) {
        s.initialize();
        Map<String, CheckpointStore.Tensor> before = g.read(s, g.trained());
        float[] k = before.get(ClassifierHead.KERNEL).values(), b = before.get(ClassifierHead.BIAS).values();
        int[] rows = {3, 1, 2}; // labels 0, 1, 1

        // by hand: weighted cross-entropy, its gradient d loss / d logits = w_i (p_i - onehot_i) / sum w
        double num = 0, den = 0;
        double[] gk = new double[H * 2], gb = new double[2];
        double[][] dLogits = new double[rows.length][2];
        for (int i = 0; i < rows.length; i++) {
          double[] z = {b[0], b[1]};
          for (int h = 0; h < H; h++) for (int j = 0; j < 2; j++) z[j] += x[rows[i] * H + h] * k[h * 2 + j];
          double lse = Math.log(Math.exp(z[0]) + Math.exp(z[1]));
          int y = LABELS[rows[i]];
          double w = CLASS_WEIGHTS[y];
          num += w * (lse - z[y]);
          den += w;
          for (int j = 0; j < 2; j++) dLogits[i][j] = w * (Math.exp(z[j] - lse) - (j == y ? 1 : 0));
        }
        for (int i = 0; i < rows.length; i++) {
          for (int j = 0; j < 2; j++) {
            gb[j] += dLogits[i][j] / den;
            for (int h = 0; h < H; h++) gk[h * 2 + j] += x[rows[i] * H + h] * dLogits[i][j] / den;
          }
        }
        double norm = 0;
        for (double v : gk) norm += v * v;
        for (double v : gb) norm += v * v;

        TrainingStep.Outcome out = new TrainingStep(s, g, g.feeder(split, cache)).run(rows, true, 0, new long[] {42, 0});
        assertEquals(num / den, out.loss(), 1e-6, "weighted cross-entropy");
        assertEquals(Math.sqrt(norm), out.gradNorm(), 1e-6, "global gradient norm");

        Map<String, CheckpointStore.Tensor> after = g.read(s, g.trained());
        float[] expectedKernel = new float[k.length], expectedBias = new float[2];
        for (int i = 0; i < k.length; i++) expectedKernel[i] = (float) adamW(k[i], gk[i], true);
        for (int j = 0; j < 2; j++) expectedBias[j] = (float) adamW(b[j], gb[j], false);
        assertArrayEquals(expectedKernel, after.get(ClassifierHead.KERNEL).values(), 1e-6f);
        assertArrayEquals(expectedBias, after.get(ClassifierHead.BIAS).values(), 1e-6f);
      }
    }
  }

  /** Adam's first step from zero moments at the head's learning rate, then decoupled decay (kernels, not biases). */
  static double adamW(double w, double g, boolean decays) {
    double m = (1 - B1) * g, v = (1 - B2) * g * g;
    double lrT = LR * Math.sqrt(1 - B2) / (1 - B1);
    double updated = w - lrT * m / (Math.sqrt(v) + EPS);
    return decays ? updated - LR * WD * updated : updated;
  }

  @Test
  void checkpointedValuesReadBackAndWriteIn() throws IOException {
    TrainingConfig c = TrainerTest.config(Map.of("head.layers", 1, "loop.grad_accumulation", 2));
    EncodedSplit split = new EncodedSplit(List.of(new int[] {1, 2}, new int[] {1, 2}), new int[] {0, 1});
    try (Graph graph = new Graph()) {
      TrainingGraph g = new TrainingGraph(graph, c, TinyEncoder.CONFIG, 2, Loss.forRun(c, TrainerTest.LABELS, split), 10, TrainingGraph.Inputs.POOLED_FEATURES);
      // head kernel and bias, then Adam's slots: beta powers, and per variable accumulator, m and v
      assertEquals(List.of("classifier/kernel", "classifier/bias", "adamw/classifier.kernel.acc", "adamw/classifier.bias.acc",
          "adamw/beta1_power", "adamw/beta2_power", "adamw/classifier.kernel.m", "adamw/classifier.kernel.v",
          "adamw/classifier.bias.m", "adamw/classifier.bias.v"), g.checkpointed().stream().map(v -> v.op().name()).toList());
      try (Session s = new Session(graph)) {
        s.initialize();
        Map<String, CheckpointStore.Tensor> values = g.read(s, g.checkpointed());
        float[] kernel = new float[H * 2];
        java.util.Arrays.fill(kernel, 0.25f);
        g.write(s, Map.of(ClassifierHead.KERNEL, new CheckpointStore.Tensor(new long[] {H, 2}, kernel)));
        assertArrayEquals(kernel, g.read(s, g.trained()).get(ClassifierHead.KERNEL).values());
        assertArrayEquals(values.get(ClassifierHead.BIAS).values(), g.read(s, g.trained()).get(ClassifierHead.BIAS).values());
        dev.jtune.JtuneException e = org.junit.jupiter.api.Assertions.assertThrows(dev.jtune.JtuneException.class,
            () -> g.write(s, Map.of("bert/embeddings/word_embeddings", new CheckpointStore.Tensor(new long[] {1}, new float[1]))));
        assertEquals("checkpoint holds bert/embeddings/word_embeddings, which this run does not train; resume with the same "
            + "freezing settings", e.getMessage());
      }
    }
  }
}
