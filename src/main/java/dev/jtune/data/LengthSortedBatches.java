package dev.jtune.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The one inference batching loop: rows sorted by length (ties keep input order), cut into batches
 * of at most {@code batchSize}, each batch run, and every row's output put back in input order.
 * Sorting makes each batch pad little; the outputs do not depend on it. Training batches, which
 * must also be shuffled, come from {@link LengthBuckets}.
 */
public final class LengthSortedBatches {
  /** Runs one batch: the row indices (into the caller's rows) in, row-major [idx.length, width] outputs out. */
  @FunctionalInterface
  public interface BatchRunner {
    float[] run(int[] idx);
  }

  /** Runs one padded token batch, row-major [batch.size(), width] outputs out. */
  @FunctionalInterface
  public interface TokenBatchRunner {
    float[] run(TokenBatch batch);
  }

  /** Called after each batch with the number of rows done so far (for progress bars). */
  @FunctionalInterface
  public interface Progress {
    void done(int rows);
  }

  private LengthSortedBatches() {}

  /** Index batches of at most {@code batchSize} rows, shortest rows first. */
  public static List<int[]> of(int[] lengths, int batchSize) {
    if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    Integer[] order = IntStream.range(0, lengths.length).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingInt(i -> lengths[i])); // stable
    List<int[]> batches = new ArrayList<>();
    for (int from = 0; from < order.length; from += batchSize) {
      int[] idx = new int[Math.min(batchSize, order.length - from)];
      for (int i = 0; i < idx.length; i++) idx[i] = order[from + i];
      batches.add(idx);
    }
    return batches;
  }

  /** Each row's output (width values per row) in input order, computed in length-sorted batches. */
  public static float[][] run(int[] lengths, int batchSize, BatchRunner runner, Progress progress) {
    float[][] out = new float[lengths.length][];
    int done = 0;
    for (int[] idx : of(lengths, batchSize)) {
      float[] flat = runner.run(idx);
      if (flat.length % idx.length != 0) {
        throw new IllegalStateException(flat.length + " outputs for a batch of " + idx.length + " rows");
      }
      int width = flat.length / idx.length;
      for (int i = 0; i < idx.length; i++) out[idx[i]] = Arrays.copyOfRange(flat, i * width, (i + 1) * width);
      done += idx.length;
      if (progress != null) progress.done(done);
    }
    return out;
  }

  /** Each token row's output in input order: rows are padded per batch into a {@link TokenBatch}. */
  public static float[][] run(List<int[]> tokenIds, int batchSize, TokenBatchRunner runner) {
    int[] lengths = tokenIds.stream().mapToInt(ids -> ids.length).toArray();
    return run(lengths, batchSize, idx -> {
      List<int[]> rows = new ArrayList<>(idx.length);
      for (int i : idx) rows.add(tokenIds.get(i));
      return runner.run(TokenBatch.of(rows));
    }, null);
  }
}
