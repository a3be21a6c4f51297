package dev.jtune.export;

import dev.jtune.data.TokenBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A runtime that maps a padded token batch to class probabilities (TensorFlow or ONNX Runtime),
 * plus the scoring loop shared by all of them: examples sorted by length so each batch pads
 * little, the batch latency measured on those batches, the batch-1 latency on single examples.
 */
@FunctionalInterface
public interface BatchPredictor {
  float[][] predict(TokenBatch batch) throws Exception;

  /** Examples timed one by one for the batch-1 latency. */
  int SINGLE_SAMPLES = 64;

  /** Scores every example in batches of {@code batchSize} and times both modes. */
  default ArtifactScores score(List<int[]> tokenIds, int batchSize) throws Exception {
    int n = tokenIds.size();
    Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingInt(i -> tokenIds.get(i).length));
    float[][] probs = new float[n][];
    predict(TokenBatch.of(List.of(tokenIds.get(order[0])))); // warm-up outside the timings
    List<Double> batchMs = new ArrayList<>();
    long start = System.nanoTime();
    for (int from = 0; from < n; from += batchSize) {
      List<int[]> rows = new ArrayList<>();
      for (int i = from; i < Math.min(n, from + batchSize); i++) rows.add(tokenIds.get(order[i]));
      long t0 = System.nanoTime();
      float[][] p = predict(TokenBatch.of(rows));
      if (rows.size() == batchSize) batchMs.add((System.nanoTime() - t0) / 1e6);
      for (int i = 0; i < rows.size(); i++) probs[order[from + i]] = p[i];
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    List<Double> singleMs = new ArrayList<>();
    for (int i = 0; i < Math.min(SINGLE_SAMPLES, n); i++) {
      long t0 = System.nanoTime();
      predict(TokenBatch.of(List.of(tokenIds.get(i))));
      singleMs.add((System.nanoTime() - t0) / 1e6);
    }
    return new ArtifactScores(probs, median(singleMs), batchMs.isEmpty() ? null : median(batchMs), batchSize, n / seconds);
  }

  /** Splits row-major {@code [size, classes]} values into one array per row. */
  static float[][] rows(float[] flat, int size) {
    int classes = size == 0 ? 0 : flat.length / size;
    float[][] out = new float[size][classes];
    for (int i = 0; i < size; i++) System.arraycopy(flat, i * classes, out[i], 0, classes);
    return out;
  }

  static Double median(List<Double> v) {
    if (v.isEmpty()) return null;
    double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
