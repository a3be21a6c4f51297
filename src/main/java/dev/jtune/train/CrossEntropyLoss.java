package dev.jtune.train;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Softmax cross-entropy against the train labels, with optional label smoothing ({@code targets =
 * (1 - eps) * one_hot + eps / C}) and class weights. Unweighted, the loss is the mean over the batch;
 * weighted, it is {@code sum(w[y_i] * ce_i) / sum(w[y_i])}. Its one input is {@code labels} [batch],
 * fed from the train labels of the batch's rows. The dense op is used because it has a registered
 * gradient in TensorFlow Java (the sparse one does not).
 *
 * <p>Under distillation the term is scaled by {@code 1 - alpha}, and train examples without a label
 * (class id -1: unlabeled text, or labels held back) count for nothing: the mean runs over the
 * labeled examples of the batch (a batch without one contributes 0).
 */
public final class CrossEntropyLoss implements Loss {
  /** The name of the labels input. */
  public static final String LABELS = "labels";

  private final int numLabels;
  private final int[] trainLabels;
  private final float[] classWeights; // null: every class weighs 1
  private final double labelSmoothing;
  private final double scale;
  private final boolean hasUnlabeled;

  /**
   * @param trainLabels the class id of every train example, read when a batch is fed
   * @param classWeights one weight per class, or null for the plain mean
   */
  public CrossEntropyLoss(int numLabels, int[] trainLabels, float[] classWeights, double labelSmoothing) {
    this(numLabels, trainLabels, classWeights, labelSmoothing, 1.0);
  }

  /** @param scale the factor on the term (1 - alpha under distillation) */
  public CrossEntropyLoss(int numLabels, int[] trainLabels, float[] classWeights, double labelSmoothing, double scale) {
    if (numLabels < 2) throw new IllegalArgumentException("a classifier needs at least 2 labels, got " + numLabels);
    if (classWeights != null && classWeights.length != numLabels) {
      throw new IllegalArgumentException(classWeights.length + " class weights for " + numLabels + " labels");
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + labelSmoothing);
    this.numLabels = numLabels;
    this.trainLabels = trainLabels.clone();
    this.classWeights = classWeights == null ? null : classWeights.clone();
    this.labelSmoothing = labelSmoothing;
    if (!(scale > 0 && scale <= 1)) throw new IllegalArgumentException("the term's scale must be in (0, 1], got " + scale);
    this.scale = scale;
    boolean unlabeled = false;
    for (int y : trainLabels) {
      if (y < -1 || y >= numLabels) throw new IllegalArgumentException("train label " + y + " outside 0.." + (numLabels - 1) + " (or -1)");
      unlabeled |= y == -1;
    }
    this.hasUnlabeled = unlabeled;
  }

  /** The loss the config's {@code loss} group asks for, its class weights resolved from {@code trainLabels}. */
  public static CrossEntropyLoss of(TrainingConfig.Loss settings, List<String> labels, int[] trainLabels) {
    return of(settings, labels, trainLabels, 1.0);
  }

  /** As {@link #of(TrainingConfig.Loss, List, int[])}, the term scaled by {@code scale}. */
  public static CrossEntropyLoss of(TrainingConfig.Loss settings, List<String> labels, int[] trainLabels, double scale) {
    settings.classWeights().requireFits(labels);
    return new CrossEntropyLoss(labels.size(), trainLabels, settings.classWeights().resolve(labels.size(), trainLabels),
        settings.labelSmoothing(), scale);
  }

  /** Each class's weight, or null when every class weighs 1. */
  public float[] classWeights() {
    return classWeights == null ? null : classWeights.clone();
  }

  @Override
  public Built build(Ops tf, Operand<TFloat32> logits) {
    Placeholder<TInt32> labelIds = tf.withName(LABELS).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
    Operand<TFloat32> targets = tf.oneHot(labelIds, tf.constant(numLabels), tf.constant(1f), tf.constant(0f));
    double eps = labelSmoothing;
    if (eps > 0) {
      targets = tf.math.add(tf.math.mul(targets, tf.constant((float) (1 - eps))), tf.constant((float) (eps / numLabels)));
    }
    Operand<TFloat32> perExample = tf.nn.softmaxCrossEntropyWithLogits(logits, targets).loss();
    Ops named = scale == 1 ? tf.withName("loss") : tf;
    Operand<TFloat32> value;
    if (hasUnlabeled) {
      // an unlabeled row (-1) weighs 0; its one-hot row is all zeros, its gathered class weight that of class 0
      Operand<TFloat32> w = tf.dtypes.cast(tf.math.greaterEqual(labelIds, tf.constant(0)), TFloat32.class);
      if (classWeights != null) w = tf.math.mul(w, tf.gather(tf.constant(classWeights), tf.math.maximum(labelIds, tf.constant(0)), tf.constant(0)));
      value = named.math.div(tf.reduceSum(tf.math.mul(perExample, w), tf.constant(0)),
          tf.math.maximum(tf.reduceSum(w, tf.constant(0)), tf.constant(1e-12f)));
    } else if (classWeights == null) {
      value = named.math.mean(perExample, tf.constant(0));
    } else {
      Operand<TFloat32> w = tf.gather(tf.constant(classWeights), labelIds, tf.constant(0));
      value = named.math.div(tf.reduceSum(tf.math.mul(perExample, w), tf.constant(0)), tf.reduceSum(w, tf.constant(0)));
    }
    if (scale != 1) value = tf.withName("loss").math.mul(value, tf.constant((float) scale));
    Operand<TFloat32> term = value;
    return new Built() {
      @Override
      public Operand<TFloat32> value() {
        return term;
      }

      @Override
      public Map<String, Placeholder<?>> inputs() {
        return Map.of(LABELS, labelIds);
      }

      @Override
      public void feed(Feeds feeds, int[] rows) {
        int[] y = new int[rows.length];
        for (int i = 0; i < rows.length; i++) y[i] = trainLabels[rows[i]];
        feeds.feed(labelIds, TInt32.vectorOf(y));
      }
    };
  }

  @Override
  public String toString() {
    return (scale == 1 ? "" : scale + " x ") + "cross-entropy (class weights " + (classWeights == null ? "none" : Arrays.toString(classWeights))
        + ", label smoothing " + labelSmoothing + ")";
  }
}
