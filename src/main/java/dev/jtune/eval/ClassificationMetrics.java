package dev.jtune.eval;

import java.util.List;

/**
 * The metrics of one evaluation pass (a validation round or a test run): mean loss, accuracy,
 * macro-F1, per-class metrics and the confusion matrix, as a JSON-friendly record.
 *
 * @param loss mean cross-entropy per example ({@code NaN} when not computed)
 * @param confusion counts {@code [true][predicted]}
 */
public record ClassificationMetrics(
    long examples,
    double loss,
    double accuracy,
    double macroF1,
    List<ConfusionMatrix.ClassMetrics> perClass,
    List<String> labels,
    long[][] confusion) {

  public static ClassificationMetrics of(ConfusionMatrix m, List<String> labels, double loss) {
    return new ClassificationMetrics(
        m.total(), loss, m.accuracy(), m.macroF1(), m.perClass(labels), List.copyOf(labels), m.counts());
  }

  /**
   * The metrics of predicted class probabilities against the true labels: argmax per row for the
   * confusion matrix, and the mean cross-entropy {@code -log p[truth]} (clamped at 1e-12) as loss.
   */
  public static ClassificationMetrics fromProbabilities(float[][] probabilities, int[] truth, List<String> labels) {
    if (probabilities.length != truth.length) {
      throw new IllegalArgumentException(probabilities.length + " predictions for " + truth.length + " labels");
    }
    ConfusionMatrix m = new ConfusionMatrix(labels.size());
    double loss = 0;
    for (int i = 0; i < truth.length; i++) {
      float[] p = probabilities[i];
      int best = 0;
      for (int k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
      m.add(truth[i], best);
      loss -= Math.log(Math.max(p[truth[i]], 1e-12));
    }
    return of(m, labels, truth.length == 0 ? Double.NaN : loss / truth.length);
  }

  /** The value of a metric by name: {@code loss}, {@code accuracy} or {@code macro_f1}. */
  public double metric(String name) {
    return switch (name) {
      case "loss" -> loss;
      case "accuracy" -> accuracy;
      case "macro_f1" -> macroF1;
      default -> throw new IllegalArgumentException("unknown metric '" + name + "' (loss, accuracy, macro_f1)");
    };
  }

  /** Whether larger values of the named metric are better. */
  public static boolean higherIsBetter(String metric) {
    return !metric.equals("loss");
  }
}
