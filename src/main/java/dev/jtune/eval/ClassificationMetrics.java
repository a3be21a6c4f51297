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
