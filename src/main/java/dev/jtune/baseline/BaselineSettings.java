package dev.jtune.baseline;

import dev.jtune.JtuneException;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The classical baseline's settings: TF-IDF features ({@link TfidfSettings}) and an L2-regularised
 * logistic regression whose inverse regularisation strength C is chosen on the validation split
 * among {@code cValues}.
 *
 * @param cValues the C values tried, each > 0 (scikit-learn's C: the weight of the summed log-loss
 *     against {@code ||w||^2 / 2})
 * @param tolerance liblinear's stopping tolerance for the L2 logistic-regression solver
 * @param maxIterations liblinear's iteration limit
 */
public record BaselineSettings(TfidfSettings tfidf, List<Double> cValues, double tolerance, int maxIterations) {
  public BaselineSettings {
    if (tfidf == null) throw new IllegalArgumentException("tfidf must not be null");
    if (cValues == null || cValues.isEmpty()) throw new JtuneException("baseline C values: give at least one, e.g. 1,10");
    for (Double c : cValues) {
      if (c == null || !(c > 0) || !Double.isFinite(c)) {
        throw new JtuneException("baseline C value " + c + ": each C must be a finite number > 0, e.g. 1,10");
      }
    }
    cValues = List.copyOf(cValues);
    if (!(tolerance > 0)) throw new JtuneException("baseline tolerance " + tolerance + ": must be > 0");
    if (maxIterations < 1) throw new JtuneException("baseline max iterations " + maxIterations + ": must be >= 1");
  }

  /** Word 1-2 grams with min_df 2, C in {1, 10}. */
  public static BaselineSettings defaults() {
    return withC(List.of(1.0, 10.0));
  }

  /** The defaults with other C values. */
  public static BaselineSettings withC(List<Double> cValues) {
    return new BaselineSettings(TfidfSettings.defaults(), cValues, 1e-3, 1000);
  }

  /** One line naming the method and every setting; it is also part of the cache key. */
  public String describe() {
    return "TF-IDF (" + tfidf.describe() + ") + L2 logistic regression (liblinear, C in {" + cList() + "} chosen on val macro-F1, "
        + "tolerance " + tolerance + ", max " + maxIterations + " iterations)";
  }

  private String cList() {
    return cValues.stream().map(BaselineSettings::formatC).collect(Collectors.joining(", "));
  }

  /** A C value as written in reports: {@code 1}, {@code 10}, {@code 0.5}. */
  public static String formatC(double c) {
    return c == Math.rint(c) && Math.abs(c) < 1e15 ? String.valueOf((long) c) : String.valueOf(c);
  }
}
