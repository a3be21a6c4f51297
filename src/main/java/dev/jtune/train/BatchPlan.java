package dev.jtune.train;

import dev.jtune.data.LengthBuckets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * How a run walks its train split: the micro-batches of each epoch, a fixed function of (seed,
 * epoch) so a resumed run repeats them, and how many optimizer steps that makes. Batches are
 * length-bucketed when the encoder runs (so each pads little) and plain shuffled rows on cached
 * features (where padding costs nothing).
 */
final class BatchPlan {
  private final int epochs;
  private final int batchSize;
  private final int accumulation;
  private final long seed;
  private final int rows;
  private final int[] lengths; // null: shuffled rows
  private final int batchesPerEpoch;
  private final long totalSteps;

  BatchPlan(TrainingConfig.Loop loop, EncodedSplit train, boolean lengthBuckets) {
    this.epochs = loop.epochs();
    this.batchSize = loop.batchSize();
    this.accumulation = loop.gradAccumulation();
    this.seed = loop.seed();
    this.rows = train.size();
    this.lengths = lengthBuckets ? train.lengths() : null;
    this.batchesPerEpoch = (rows + batchSize - 1) / batchSize;
    long stepsPerEpoch = (batchesPerEpoch + accumulation - 1) / accumulation;
    long all = stepsPerEpoch * epochs;
    this.totalSteps = loop.maxSteps() > 0 ? Math.min(all, loop.maxSteps()) : all;
  }

  int epochs() {
    return epochs;
  }

  /** Micro-batches per optimizer step (the last step of an epoch may have fewer). */
  int accumulation() {
    return accumulation;
  }

  int batchesPerEpoch() {
    return batchesPerEpoch;
  }

  /** Optimizer steps of the whole run ({@code loop.max_steps} caps them). */
  long totalSteps() {
    return totalSteps;
  }

  /** Micro-batches of the whole run. */
  long microBatches() {
    return Math.min((long) batchesPerEpoch * epochs, totalSteps * accumulation);
  }

  /** The seed of the dropout masks of micro-batch {@code batch} of {@code epoch}: the same on resume. */
  long[] dropoutSeed(int epoch, int batch) {
    return new long[] {seed, (long) epoch * batchesPerEpoch + batch};
  }

  /** The micro-batches of {@code epoch}, as row indices. */
  List<int[]> batches(int epoch) {
    long epochSeed = seed * 1_000_003L + epoch;
    if (lengths != null) return LengthBuckets.batches(lengths, batchSize, epochSeed);
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < rows; i++) order.add(i);
    Collections.shuffle(order, new Random(epochSeed));
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < order.size(); i += batchSize) {
      out.add(order.subList(i, Math.min(order.size(), i + batchSize)).stream().mapToInt(Integer::intValue).toArray());
    }
    return out;
  }
}
