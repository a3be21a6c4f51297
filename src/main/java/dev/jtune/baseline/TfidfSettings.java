package dev.jtune.baseline;

import dev.jtune.JtuneException;

/**
 * How texts become TF-IDF vectors: word n-grams from {@code ngramMin} to {@code ngramMax} words, kept
 * when at least {@code minDf} training texts contain them. The rest is fixed, as in scikit-learn's
 * {@code TfidfVectorizer(sublinear_tf=True)}: lowercase, words of two or more letters/digits, sublinear
 * tf, smooth idf, L2-normalised rows.
 */
public record TfidfSettings(int ngramMin, int ngramMax, int minDf) {
  public TfidfSettings {
    if (ngramMin < 1 || ngramMax < ngramMin) {
      throw new JtuneException("baseline n-gram range " + ngramMin + "-" + ngramMax + ": needs 1 <= min <= max, e.g. 1-2");
    }
    if (minDf < 1) throw new JtuneException("baseline min_df " + minDf + ": must be >= 1");
  }

  /** Word 1-2 grams, min_df 2. */
  public static TfidfSettings defaults() {
    return new TfidfSettings(1, 2, 2);
  }

  /** One line for reports and the cache key, e.g. {@code word 1-2 grams, min_df 2, sublinear tf, smooth idf, L2 rows}. */
  public String describe() {
    return "word " + ngramMin + "-" + ngramMax + " grams, min_df " + minDf + ", lowercase, sublinear tf, smooth idf, L2 rows";
  }
}
