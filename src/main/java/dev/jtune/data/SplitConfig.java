package dev.jtune.data;

/**
 * How to split a dataset: the share of rows for train, val and test (summing to 1) and the seed
 * that makes the split reproducible.
 */
public record SplitConfig(double train, double val, double test, long seed) {
  public static final long DEFAULT_SEED = 42;

  public SplitConfig {
    if (!(train > 0) || val < 0 || test < 0) {
      throw new IllegalArgumentException(
          "split ratios must be train > 0, val >= 0, test >= 0; got " + train + "," + val + "," + test);
    }
    if (Math.abs(train + val + test - 1.0) > 1e-6) {
      throw new IllegalArgumentException(
          "split ratios must sum to 1; got " + train + "+" + val + "+" + test + "=" + (train + val + test));
    }
  }

  /** 80% train, 10% val, 10% test, seed 42. */
  public static SplitConfig defaults() {
    return new SplitConfig(0.8, 0.1, 0.1, DEFAULT_SEED);
  }

  public double ratio(Split split) {
    return switch (split) {
      case TRAIN -> train;
      case VAL -> val;
      case TEST -> test;
    };
  }
}
