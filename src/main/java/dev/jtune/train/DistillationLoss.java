package dev.jtune.train;

import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The distillation term (Hinton et al. 2015): {@code alpha * T^2 * KL(softmax(t/T) || softmax(s/T))},
 * the mean over the batch of every train example, labeled or not, where {@code t} are the teacher's
 * logits (computed once per train text, {@link TeacherLogits}) and {@code s} the student's. The
 * {@code T^2} keeps the term's gradients on the scale of the cross-entropy's as T changes.
 *
 * <p>KL is written as the cross-entropy of the student's tempered softmax against the teacher's
 * probabilities minus the teacher's entropy: the same value, and the op that carries the gradient is
 * the softmax cross-entropy the labels' term uses too (the teacher is fed, so nothing flows into it).
 * Its one input is {@code teacher_logits} [batch, numLabels].
 */
public final class DistillationLoss implements Loss {
  /** The name of the teacher's logits input. */
  public static final String TEACHER_LOGITS = "teacher_logits";

  private final int numLabels;
  private final FeatureCache teacherLogits;
  private final double temperature;
  private final double alpha;

  /**
   * @param teacherLogits one row of {@code numLabels} logits per train example
   * @param alpha the term's weight, in (0, 1]
   */
  public DistillationLoss(int numLabels, FeatureCache teacherLogits, double temperature, double alpha) {
    if (teacherLogits.hidden() != numLabels) {
      throw new IllegalArgumentException("teacher logits have " + teacherLogits.hidden() + " columns for " + numLabels + " labels");
    }
    if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
    if (!(alpha > 0 && alpha <= 1)) throw new IllegalArgumentException("alpha must be in (0, 1], got " + alpha);
    this.numLabels = numLabels;
    this.teacherLogits = teacherLogits;
    this.temperature = temperature;
    this.alpha = alpha;
  }

  @Override
  public Built build(Ops tf, Operand<TFloat32> logits) {
    Placeholder<TFloat32> teacher = tf.withName(TEACHER_LOGITS).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, numLabels)));
    Operand<TFloat32> invT = tf.constant((float) (1 / temperature));
    Operand<TFloat32> teacherLog = tf.nn.logSoftmax(tf.math.mul(teacher, invT));
    Operand<TFloat32> teacherProbs = tf.math.exp(teacherLog);
    Operand<TFloat32> crossEntropy = tf.nn.softmaxCrossEntropyWithLogits(tf.math.mul(logits, invT), teacherProbs).loss();
    Operand<TFloat32> entropy = tf.math.neg(tf.reduceSum(tf.math.mul(teacherProbs, teacherLog), tf.constant(1)));
    Operand<TFloat32> kl = tf.math.mean(tf.math.sub(crossEntropy, entropy), tf.constant(0));
    Operand<TFloat32> value = tf.withName("loss").math.mul(kl, tf.constant((float) (alpha * temperature * temperature)));
    return new Built() {
      @Override
      public Operand<TFloat32> value() {
        return value;
      }

      @Override
      public Map<String, Placeholder<?>> inputs() {
        return Map.of(TEACHER_LOGITS, teacher);
      }

      @Override
      public void feed(Feeds feeds, int[] rows) {
        feeds.feed(teacher, TFloat32.tensorOf(Shape.of(rows.length, numLabels), DataBuffers.of(teacherLogits.rows(rows), true, false)));
      }
    };
  }

  @Override
  public String toString() {
    return alpha + " x T^2 x KL(teacher || student), T = " + temperature;
  }
}
