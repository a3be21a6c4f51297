package dev.jtune.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Counts of (true label, predicted label) pairs over {@code C} classes, and the classification
 * metrics derived from them: accuracy, per-class precision / recall / F1 and macro-F1.
 *
 * <p>Precision of a class that is never predicted (and recall of a class that never occurs) is 0, as
 * is its F1; macro-F1 averages over every class of the label set, so such a class pulls it down.
 */
public final class ConfusionMatrix {
  private final long[][] counts; // [true][predicted]

  public ConfusionMatrix(int numClasses) {
    if (numClasses < 1) throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
    this.counts = new long[numClasses][numClasses];
  }

  /** Builds a matrix from parallel arrays of true and predicted class ids. */
  public static ConfusionMatrix of(int numClasses, int[] truth, int[] predicted) {
    if (truth.length != predicted.length) {
      throw new IllegalArgumentException("truth and predicted differ in length: " + truth.length + " vs " + predicted.length);
    }
    ConfusionMatrix m = new ConfusionMatrix(numClasses);
    for (int i = 0; i < truth.length; i++) m.add(truth[i], predicted[i]);
    return m;
  }

  /** Builds a matrix from explicit counts {@code [true][predicted]} (copied). */
  public static ConfusionMatrix ofCounts(long[][] counts) {
    ConfusionMatrix m = new ConfusionMatrix(counts.length);
    for (int t = 0; t < counts.length; t++) {
      if (counts[t].length != counts.length) throw new IllegalArgumentException("counts must be square");
      System.arraycopy(counts[t], 0, m.counts[t], 0, counts.length);
    }
    return m;
  }

  public void add(int truth, int predicted) {
    counts[truth][predicted]++;
  }

  public int numClasses() {
    return counts.length;
  }

  public long count(int truth, int predicted) {
    return counts[truth][predicted];
  }

  /** A copy of the counts, {@code [true][predicted]}. */
  public long[][] counts() {
    long[][] c = new long[counts.length][];
    for (int i = 0; i < c.length; i++) c[i] = counts[i].clone();
    return c;
  }

  public long total() {
    return Arrays.stream(counts).flatMapToLong(Arrays::stream).sum();
  }

  public double accuracy() {
    long total = total();
    if (total == 0) return 0;
    long right = 0;
    for (int i = 0; i < counts.length; i++) right += counts[i][i];
    return (double) right / total;
  }

  /** Examples whose true class is {@code c}. */
  public long support(int c) {
    return Arrays.stream(counts[c]).sum();
  }

  /** Examples predicted as class {@code c}. */
  public long predictedCount(int c) {
    long n = 0;
    for (long[] row : counts) n += row[c];
    return n;
  }

  public double precision(int c) {
    long p = predictedCount(c);
    return p == 0 ? 0 : (double) counts[c][c] / p;
  }

  public double recall(int c) {
    long s = support(c);
    return s == 0 ? 0 : (double) counts[c][c] / s;
  }

  public double f1(int c) {
    double p = precision(c), r = recall(c);
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }

  public double macroF1() {
    double sum = 0;
    for (int c = 0; c < counts.length; c++) sum += f1(c);
    return sum / counts.length;
  }

  /** Per-class metrics in class-id order, named by {@code labels}. */
  public List<ClassMetrics> perClass(List<String> labels) {
    if (labels.size() != counts.length) {
      throw new IllegalArgumentException(labels.size() + " labels for " + counts.length + " classes");
    }
    List<ClassMetrics> out = new ArrayList<>();
    for (int c = 0; c < counts.length; c++) {
      out.add(new ClassMetrics(labels.get(c), precision(c), recall(c), f1(c), support(c)));
    }
    return out;
  }

  /** Precision, recall, F1 and support of one class. */
  public record ClassMetrics(String label, double precision, double recall, double f1, long support) {}
}
