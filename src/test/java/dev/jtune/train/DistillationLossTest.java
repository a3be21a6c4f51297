package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The distillation term is {@code alpha * T^2 * KL(softmax(t/T) || softmax(s/T))}; at alpha 0 a
 * distilling run is plain fine-tuning; labels held back (-1) count for nothing in the
 * cross-entropy; and the teacher's soft labels alone teach the toy task.
 */
class DistillationLossTest {
  /** Student logits of three train rows (3 classes). */
  static final float[][] STUDENT = {{2.0f, -1.0f, 0.5f}, {0.1f, 0.3f, -0.2f}, {-1.5f, 2.5f, 0.0f}};
  /** The teacher's logits of the five train rows; rows 4, 0 and 2 are fed. */
  static final float[] TEACHER = {1.0f, 0.0f, -1.0f, 9f, 9f, 9f, 0.2f, 0.2f, 3.0f, 9f, 9f, 9f, -0.5f, 1.5f, 0.5f};
  static final int[] ROWS = {4, 0, 2};

  @TempDir Path dir;

  static double byHand(double alpha, double t) {
    double sum = 0;
    for (int i = 0; i < ROWS.length; i++) {
      double[] p = softmax(TEACHER, 3 * ROWS[i], t), q = softmax(STUDENT[i], 0, t);
      for (int c = 0; c < 3; c++) sum += p[c] * (Math.log(p[c]) - Math.log(q[c]));
    }
    return alpha * t * t * sum / ROWS.length;
  }

  static double[] softmax(float[] z, int from, double t) {
    double max = Double.NEGATIVE_INFINITY, sum = 0;
    for (int c = 0; c < 3; c++) max = Math.max(max, z[from + c] / t);
    double[] out = new double[3];
    for (int c = 0; c < 3; c++) sum += out[c] = Math.exp(z[from + c] / t - max);
    for (int c = 0; c < 3; c++) out[c] /= sum;
    return out;
  }

  static float lossOf(Loss loss, float[][] student, int[] rows, Set<String> inputs) {
    int classes = student[0].length;
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> logits = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, classes)));
      Loss.Built built = loss.build(tf, logits);
      assertEquals(inputs, built.inputs().keySet());
      float[] flat = new float[student.length * classes];
      for (int i = 0; i < student.length; i++) System.arraycopy(student[i], 0, flat, classes * i, classes);
      try (Session s = new Session(g); Feeds feeds = new Feeds(s.runner())) {
        feeds.feed(logits, TFloat32.tensorOf(Shape.of(student.length, classes), DataBuffers.of(flat, true, false)));
        built.feed(feeds, rows);
        try (Result r = feeds.runner().fetch(built.value()).run()) {
          return ((TFloat32) r.get(0)).getFloat();
        }
      }
    }
  }

  @Test
  void theTermIsAlphaTimesTSquaredTimesTheMeanKlOfTheFedRows() {
    for (double[] at : new double[][] {{1, 1}, {0.5, 2}, {0.9, 4}}) {
      DistillationLoss loss = new DistillationLoss(3, FeatureCache.inMemory(TEACHER, 3), at[1], at[0]);
      float got = lossOf(loss, STUDENT, ROWS, Set.of(DistillationLoss.TEACHER_LOGITS));
      assertEquals(byHand(at[0], at[1]), got, 1e-5, "alpha " + at[0] + ", T " + at[1]);
    }
  }

  @Test
  void aStudentThatMatchesTheTeacherHasNoDistillationLoss() {
    float[][] same = {{1.0f, 0.0f, -1.0f}, {0.2f, 0.2f, 3.0f}};
    float[] teacher = {1.0f, 0.0f, -1.0f, 0.2f, 0.2f, 3.0f};
    assertEquals(0.0, lossOf(new DistillationLoss(3, FeatureCache.inMemory(teacher, 3), 2, 1), same, new int[] {0, 1},
        Set.of(DistillationLoss.TEACHER_LOGITS)), 1e-6);
  }

  @Test
  void heldBackLabelsCountForNothingInTheCrossEntropy() {
    // rows 1 and 3 have no label: the loss is the mean over rows 0 and 2 alone, scaled by the term's weight
    int[] labels = {0, -1, 1, -1, 1};
    CrossEntropyLoss masked = new CrossEntropyLoss(2, labels, null, 0, 0.25);
    float got = CrossEntropyLossTest.lossOf(masked, new int[] {0, 1, 2});
    double[] ce = new double[3];
    for (int i = 0; i < 3; i++) {
      float[] z = CrossEntropyLossTest.LOGITS[i];
      double logSum = Math.log(Math.exp(z[0]) + Math.exp(z[1]));
      ce[i] = -(z[Math.max(0, labels[i])] - logSum);
    }
    double expected = 0.25 * (ce[0] + ce[2]) / 2;
    assertEquals(expected, got, 1e-5);
    // a batch of unlabeled rows only adds nothing
    assertEquals(0.0, CrossEntropyLossTest.lossOf(masked, new int[] {1, 3, 1}), 0.0);
  }

  @Test
  void termsOfADistillingRunFollowAlpha() {
    FeatureCache logits = FeatureCache.inMemory(new float[TrainerTest.TRAIN.size() * 2], 2);
    assertEquals(1, Loss.forRun(distilling(0.0), TrainerTest.LABELS, TrainerTest.TRAIN, logits).size());
    assertTrue(Loss.forRun(distilling(0.0), TrainerTest.LABELS, TrainerTest.TRAIN, logits).get(0) instanceof CrossEntropyLoss);
    assertEquals(2, Loss.forRun(distilling(0.5), TrainerTest.LABELS, TrainerTest.TRAIN, logits).size());
    assertTrue(Loss.forRun(distilling(1.0), TrainerTest.LABELS, TrainerTest.TRAIN, logits).get(0) instanceof DistillationLoss);
    FeatureCache tooFew = FeatureCache.inMemory(new float[2 * 2], 2);
    assertThrows(IllegalArgumentException.class, () -> Loss.forRun(distilling(0.5), TrainerTest.LABELS, TrainerTest.TRAIN, tooFew));
  }

  static TrainingConfig distilling(double alpha) {
    return TrainerTest.config(Map.of("distillation.teacher", "teacher-run", "distillation.alpha", alpha, "loop.epochs", 2));
  }

  /** Logits that say the toy task's answer: +-4 on the true class. */
  static FeatureCache answerLogits(EncodedSplit split) {
    float[] t = new float[split.size() * 2];
    for (int i = 0; i < split.size(); i++) t[2 * i + split.labels()[i]] = 4f;
    return FeatureCache.inMemory(t, 2);
  }

  @Test
  void atAlphaZeroADistillingRunIsPlainFineTuning() {
    Trainer.Result plain = TrainerTest.trainer(TrainerTest.config(Map.of("loop.epochs", 2)), dir.resolve("plain"))
        .train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    // the teacher's logits are nonsense on purpose: at alpha 0 they must not matter
    float[] noise = new float[TrainerTest.TRAIN.size() * 2];
    java.util.Random r = new java.util.Random(5);
    for (int i = 0; i < noise.length; i++) noise[i] = (float) r.nextGaussian() * 5;
    Trainer.Result distilled = TrainerTest.trainer(distilling(0.0), dir.resolve("distilled"))
        .distillFrom(FeatureCache.inMemory(noise, 2)).train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    org.junit.jupiter.api.Assertions.assertArrayEquals(plain.kernel(), distilled.kernel(), 0f);
    org.junit.jupiter.api.Assertions.assertArrayEquals(plain.bias(), distilled.bias(), 0f);
    assertEquals(TrainerTest.metricsOnly(plain), TrainerTest.metricsOnly(distilled));
  }

  @Test
  void withEveryLabelHeldBackTheTeachersSoftLabelsAloneTeachTheTask() {
    int[] none = new int[TrainerTest.TRAIN.size()];
    java.util.Arrays.fill(none, -1);
    EncodedSplit unlabeled = new EncodedSplit(TrainerTest.TRAIN.tokenIds(), none);
    Trainer.Result r = TrainerTest.trainer(TrainerTest.config(Map.of("distillation.teacher", "teacher-run", "distillation.alpha", 1.0,
        "distillation.temperature", 2.0, "loop.epochs", 6)), dir.resolve("run"))
        .distillFrom(answerLogits(TrainerTest.TRAIN)).train(unlabeled, TrainerTest.VAL, false);
    assertTrue(r.bestValidation().accuracy() > 0.85, "val accuracy " + r.bestValidation().accuracy());
  }

  @Test
  void heldBackLabelsKeepAShareOfEachClassFixedByTheSeed() {
    List<dev.jtune.data.LabeledText> rows = new java.util.ArrayList<>();
    for (int i = 0; i < 100; i++) rows.add(new dev.jtune.data.LabeledText("t" + i, i < 80 ? 0 : 1, null));
    int[] a = TrainingRun.heldBackLabels(rows, 2, 0.2, 42), b = TrainingRun.heldBackLabels(rows, 2, 0.2, 42);
    org.junit.jupiter.api.Assertions.assertArrayEquals(a, b);
    long kept0 = java.util.Arrays.stream(a, 0, 80).filter(y -> y == 0).count(), kept1 = java.util.Arrays.stream(a, 80, 100).filter(y -> y == 1).count();
    assertEquals(16, kept0);
    assertEquals(4, kept1);
    assertEquals(100 - 20, java.util.Arrays.stream(a).filter(y -> y == -1).count());
    org.junit.jupiter.api.Assertions.assertArrayEquals(rows.stream().mapToInt(dev.jtune.data.LabeledText::label).toArray(),
        TrainingRun.heldBackLabels(rows, 2, 1.0, 42));
  }
}
