package dev.jtune.export;

import dev.jtune.data.LengthSortedBatches;
import dev.jtune.data.TokenBatch;
import dev.jtune.predict.Predictor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Scores a parity set with one {@link Predictor} and times it: every example in length-sorted
 * batches ({@link LengthSortedBatches}, so each batch pads little) with the latency of each full
 * batch, then the batch-1 latency on single examples; one warm-up call comes first, outside the
 * timings.
 */
final class TimedScoring {
  /** Examples timed one by one for the batch-1 latency. */
  static final int SINGLE_SAMPLES = 64;

  private TimedScoring() {}

  /** Scores every example in batches of {@code batchSize} and times both modes. */
  static ArtifactScores score(Predictor predictor, List<int[]> tokenIds, int batchSize) {
    return score(predictor, tokenIds, batchSize, System::nanoTime);
  }

  /** As {@link #score(Predictor, List, int)}, reading the time in nanoseconds from {@code clock}. */
  static ArtifactScores score(Predictor predictor, List<int[]> tokenIds, int batchSize, LongSupplier clock) {
    int n = tokenIds.size();
    int[] lengths = tokenIds.stream().mapToInt(ids -> ids.length).toArray();
    int shortest = LengthSortedBatches.of(lengths, batchSize).get(0)[0];
    predictor.probabilities(TokenBatch.of(List.of(tokenIds.get(shortest)))); // warm-up outside the timings
    List<Double> batchMs = new ArrayList<>();
    long start = clock.getAsLong();
    float[][] probs = LengthSortedBatches.run(tokenIds, batchSize, batch -> {
      long t0 = clock.getAsLong();
      float[] p = predictor.probabilities(batch);
      if (batch.size() == batchSize) batchMs.add((clock.getAsLong() - t0) / 1e6);
      return p;
    });
    double seconds = (clock.getAsLong() - start) / 1e9;
    List<Double> singleMs = new ArrayList<>();
    for (int i = 0; i < Math.min(SINGLE_SAMPLES, n); i++) {
      long t0 = clock.getAsLong();
      predictor.probabilities(TokenBatch.of(List.of(tokenIds.get(i))));
      singleMs.add((clock.getAsLong() - t0) / 1e6);
    }
    return new ArtifactScores(probs, median(singleMs), batchMs.isEmpty() ? null : median(batchMs), batchSize, n / seconds);
  }

  /** The median, null for no values. */
  static Double median(List<Double> v) {
    if (v.isEmpty()) return null;
    double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
