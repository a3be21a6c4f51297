package dev.jtune.baseline;

import dev.jtune.eval.ClassificationMetrics;
import java.util.List;
import java.util.Locale;

/**
 * A fine-tuned model's scores beside the baseline's on the same splits, and the verdict: the
 * fine-tuned model beats the baseline when its validation macro-F1 is higher (validation, because
 * that is where choices are made; test is shown, not used to decide).
 *
 * @param cached whether the baseline was read from the cache rather than fitted for this run
 */
public record BaselineComparison(BaselineResult baseline, boolean cached, ClassificationMetrics fineTunedValidation,
    ClassificationMetrics fineTunedTest) {

  /** True when the fine-tuned model's validation macro-F1 is above the baseline's. */
  public boolean fineTunedWins() {
    return fineTunedValidation.macroF1() > baseline.validation().macroF1();
  }

  /** One line, e.g. {@code verdict: the fine-tuned model beats the TF-IDF + logistic-regression baseline on validation (macro-F1 0.9860 vs 0.9812)}. */
  public String verdict() {
    return String.format(Locale.ROOT, "verdict: the fine-tuned model %s the TF-IDF + logistic-regression baseline on validation"
        + " (macro-F1 %.4f vs %.4f)", fineTunedWins() ? "beats" : "does not beat", fineTunedValidation.macroF1(),
        baseline.validation().macroF1());
  }

  /** A report section: the two models' validation and test scores, the verdict and how the baseline was made. */
  public String markdown() {
    StringBuilder md = new StringBuilder("## Baseline comparison\n\n");
    md.append("| model | val macro-F1 | val accuracy | test macro-F1 | test accuracy |\n|---|---:|---:|---:|---:|\n");
    md.append(row("fine-tuned (best checkpoint)", fineTunedValidation, fineTunedTest));
    md.append(row("TF-IDF + logistic regression (C=" + BaselineSettings.formatC(baseline.chosenC()) + ")", baseline.validation(),
        baseline.test()));
    md.append('\n').append(verdict()).append("\n\n");
    md.append("- baseline: ").append(baseline.method()).append('\n');
    md.append(String.format(Locale.ROOT, "- vocabulary %,d terms; %s%n", baseline.vocabulary(),
        cached ? "read from the baseline cache" : String.format(Locale.ROOT, "fitted in %.1f s", baseline.fitSeconds())));
    return md.toString();
  }

  private static String row(String name, ClassificationMetrics val, ClassificationMetrics test) {
    return String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.4f | %.4f |%n", name, val.macroF1(), val.accuracy(), test.macroF1(),
        test.accuracy());
  }

  /** What a run's metrics.json records of the comparison. */
  public Summary summary() {
    return new Summary(baseline.method(), baseline.chosenC(), Scores.of(baseline.validation()), Scores.of(baseline.test()),
        baseline.candidates(), fineTunedWins(), verdict(), cached, baseline.testSeqPerSecond());
  }

  /**
   * The {@code baseline} object of a run's metrics.json.
   *
   * @param c the C chosen on validation
   * @param fineTunedBeatsBaseline the verdict as a boolean
   * @param testSeqPerSecond test texts the baseline scores per second (null when not measured)
   */
  @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
  public record Summary(String method, double c, Scores validation, Scores test, List<BaselineResult.Candidate> candidates,
      boolean fineTunedBeatsBaseline, String verdict, boolean cached,
      @com.fasterxml.jackson.annotation.JsonProperty("test_seq_per_s") Double testSeqPerSecond) {}

  /** Headline scores of one split. */
  public record Scores(double macroF1, double accuracy) {
    static Scores of(ClassificationMetrics m) {
      return new Scores(m.macroF1(), m.accuracy());
    }
  }
}
