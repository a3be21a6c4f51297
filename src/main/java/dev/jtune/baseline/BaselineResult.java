package dev.jtune.baseline;

import dev.jtune.eval.ClassificationMetrics;
import java.util.List;

/**
 * What the baseline scored on one dataset: the validation score of every C tried, the C chosen
 * (best validation macro-F1; on a tie the one tried first), and the chosen model's validation and test
 * metrics. JSON-friendly: it is the cached form and the core of {@code jtune baseline}'s metrics.json.
 *
 * @param method the method and its settings in one line ({@link BaselineSettings#describe()})
 * @param vocabulary TF-IDF vocabulary size
 * @param trainRowsWithoutTerms training texts with no vocabulary term; they hold no feature, so the
 *     fit leaves them out (they would only move the intercept)
 * @param candidates one entry per C tried, in the order tried
 * @param chosenC the C whose model is reported
 * @param fitSeconds time to vectorise, fit every C and score
 * @param testSeqPerSecond test texts scored per second by the chosen model (vectorising included), the
 *     speed a run's quality/speed chart sets beside the fine-tuned model's; null in results cached
 *     before it was measured
 */
public record BaselineResult(
    String method,
    BaselineSettings settings,
    int vocabulary,
    int trainRowsWithoutTerms,
    List<Candidate> candidates,
    double chosenC,
    ClassificationMetrics validation,
    ClassificationMetrics test,
    double fitSeconds,
    @com.fasterxml.jackson.annotation.JsonProperty("test_seq_per_s") Double testSeqPerSecond) {

  public BaselineResult {
    candidates = List.copyOf(candidates);
  }

  /** The validation scores of one C. */
  public record Candidate(double c, double valMacroF1, double valAccuracy) {}
}
