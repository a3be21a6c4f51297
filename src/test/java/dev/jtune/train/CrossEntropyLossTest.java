package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jtune.JtuneException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

class CrossEntropyLossTest {
  static final int[] TRAIN_LABELS = {0, 1, 1, 0, 1};
  static final float[][] LOGITS = {{2.0f, -1.0f}, {0.5f, 0.25f}, {-0.3f, 1.2f}};

  /** The loss the graph computes for train rows {@code rows}, whose logits are {@link #LOGITS}. */
  static float lossOf(CrossEntropyLoss loss, int[] rows) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> logits = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 2)));
      Loss.Built built = loss.build(tf, logits);
      assertEquals(Set.of(CrossEntropyLoss.LABELS), built.inputs().keySet(), "the one input it declares");
      float[] flat = new float[LOGITS.length * 2];
      for (int i = 0; i < LOGITS.length; i++) System.arraycopy(LOGITS[i], 0, flat, 2 * i, 2);
      try (Session s = new Session(g); Feeds feeds = new Feeds(s.runner())) {
        feeds.feed(logits, TFloat32.tensorOf(Shape.of(LOGITS.length, 2), DataBuffers.of(flat, true, false)));
        built.feed(feeds, rows);
        try (Result r = feeds.runner().fetch(built.value()).run()) {
          return ((TFloat32) r.get(0)).getFloat();
        }
      }
    }
  }

  /** By hand: sum_i w(y_i) * (-sum_c t_ic log softmax(z_i)_c) / sum_i w(y_i), t = (1 - eps) one_hot + eps / C. */
  static double byHand(int[] labels, double[] weights, double eps) {
    double num = 0, den = 0;
    for (int i = 0; i < LOGITS.length; i++) {
      double z0 = LOGITS[i][0], z1 = LOGITS[i][1], logSum = Math.log(Math.exp(z0) + Math.exp(z1));
      double t1 = (labels[i] == 1 ? 1 - eps : 0) + eps / 2, t0 = (labels[i] == 0 ? 1 - eps : 0) + eps / 2;
      double ce = -(t0 * (z0 - logSum) + t1 * (z1 - logSum));
      double w = weights == null ? 1 : weights[labels[i]];
      num += w * ce;
      den += w;
    }
    return num / den;
  }

  @Test
  void plainMeanOverTheBatchFedFromTheRowsLabels() {
    // rows 1, 3, 4 of the train split carry labels 1, 0, 1
    float loss = lossOf(new CrossEntropyLoss(2, TRAIN_LABELS, null, 0), new int[] {1, 3, 4});
    assertEquals(byHand(new int[] {1, 0, 1}, null, 0), loss, 1e-6);
    // ce = log(sum exp z) - z_y per row: 3.048587, 0.575939, 0.201413
    assertEquals((3.048587 + 0.575939 + 0.201413) / 3, loss, 1e-6);
  }

  @Test
  void classWeightsGiveTheWeightedMean() {
    float loss = lossOf(new CrossEntropyLoss(2, TRAIN_LABELS, new float[] {1f, 3f}, 0), new int[] {1, 3, 4});
    assertEquals(byHand(new int[] {1, 0, 1}, new double[] {1, 3}, 0), loss, 1e-6);
    assertEquals((3 * 3.048587 + 0.575939 + 3 * 0.201413) / 7, loss, 1e-6, "(3 * ce_0 + 1 * ce_1 + 3 * ce_2) / (3 + 1 + 3)");
  }

  @Test
  void labelSmoothingMovesTheTargets() {
    float loss = lossOf(new CrossEntropyLoss(2, TRAIN_LABELS, new float[] {1f, 3f}, 0.2), new int[] {1, 3, 4});
    assertEquals(byHand(new int[] {1, 0, 1}, new double[] {1, 3}, 0.2), loss, 1e-6);
  }

  @Test
  void classWeightsAreResolvedOnceFromTheTrainLabels() {
    TrainingConfig.Loss balanced = new TrainingConfig.Loss(ClassWeights.BALANCED, 0);
    // 3 of class 0, 1 of class 1: n / (C * count_c) = 4 / 6 and 4 / 2
    assertArrayEquals(new float[] {4f / 6, 2f}, CrossEntropyLoss.of(balanced, List.of("a", "b"), new int[] {0, 0, 1, 0}).classWeights());
    TrainingConfig.Loss listed = new TrainingConfig.Loss(new ClassWeights.PerLabel(List.of(1.0, 5.0)), 0);
    assertArrayEquals(new float[] {1f, 5f}, CrossEntropyLoss.of(listed, List.of("a", "b"), TRAIN_LABELS).classWeights());
    assertNull(CrossEntropyLoss.of(new TrainingConfig.Loss(ClassWeights.NONE, 0), List.of("a", "b"), TRAIN_LABELS).classWeights());
    JtuneException e = assertThrows(JtuneException.class, () -> CrossEntropyLoss.of(listed, List.of("a", "b", "c"), TRAIN_LABELS));
    assertEquals("loss.class_weights has 2 values but the dataset has 3 labels [a, b, c]; give one weight per label, "
        + "in the order of labels.txt", e.getMessage());
  }

  @Test
  void aRunsLossIsTheCrossEntropyTheConfigAsksFor() {
    TrainingConfig c = TrainerTest.config(Map.of("loss.class_weights", "[1, 5]", "loss.label_smoothing", 0.1));
    List<Loss> terms = Loss.forRun(c, TrainerTest.LABELS, TrainerTest.TRAIN);
    assertEquals(1, terms.size());
    CrossEntropyLoss ce = (CrossEntropyLoss) terms.get(0);
    assertArrayEquals(new float[] {1f, 5f}, ce.classWeights());
    assertEquals("cross-entropy (class weights [1.0, 5.0], label smoothing 0.1)", ce.toString());
  }
}
