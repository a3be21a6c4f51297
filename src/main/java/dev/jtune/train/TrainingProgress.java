package dev.jtune.train;

import dev.jtune.eval.ClassificationMetrics;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a running loop stands: the fields of {@link TrainerState}, updated as micro-batches, steps
 * and validations complete, plus the throughput since the last validation (not saved: a resumed run
 * measures afresh). {@link #snapshot} is the one place a {@link TrainerState} is made from a run;
 * {@link #resume} the one place one is read back. Listeners read it; the loop and the validation
 * listener update it.
 */
public final class TrainingProgress {
  private long step;
  private int epoch;
  private int batchInEpoch;
  private double bestMetric;
  private long bestStep;
  private int badValidations;
  private boolean stoppedEarly;
  private double lossSinceValidation;
  private int batchesSinceValidation;
  private final List<TrainerState.HistoryRow> history;
  private final List<TrainerState.CurvePoint> curve;
  private long seqSinceValidation;
  private long nanosSinceValidation;
  private double stepLoss; // the micro-batches of the optimizer step under way
  private int batchesInStep;
  private double lastStepLoss = Double.NaN;

  private TrainingProgress(TrainerState s) {
    step = s.step();
    epoch = s.epoch();
    batchInEpoch = s.batchInEpoch();
    bestMetric = s.bestMetric();
    bestStep = s.bestStep();
    badValidations = s.badValidations();
    stoppedEarly = s.stoppedEarly();
    lossSinceValidation = s.lossSinceValidation();
    batchesSinceValidation = s.batchesSinceValidation();
    history = new ArrayList<>(s.history());
    curve = new ArrayList<>(s.curve());
  }

  /** Continues from a saved state ({@link TrainerState#start()} for a fresh run). */
  public static TrainingProgress resume(TrainerState state) {
    return new TrainingProgress(state);
  }

  /** The state as saved in a checkpoint and returned by the trainer. */
  public TrainerState snapshot() {
    return new TrainerState(step, epoch, batchInEpoch, bestMetric, bestStep, badValidations, stoppedEarly,
        lossSinceValidation, batchesSinceValidation, history, curve);
  }

  /** Optimizer steps done. */
  public long step() {
    return step;
  }

  /** The epoch of the next micro-batch. */
  public int epoch() {
    return epoch;
  }

  /** The index in its epoch of the next micro-batch. */
  public int batchInEpoch() {
    return batchInEpoch;
  }

  /** Micro-batches of the optimizer step under way (0 right after a step). */
  public int batchesInStep() {
    return batchesInStep;
  }

  /** Best validation value of the selection metric so far (NaN before the first). */
  public double bestMetric() {
    return bestMetric;
  }

  /** Validations since the last improvement. */
  public int badValidations() {
    return badValidations;
  }

  public boolean stoppedEarly() {
    return stoppedEarly;
  }

  /** The mean train loss of the micro-batches of the last completed step (NaN before one). */
  public double lastStepLoss() {
    return lastStepLoss;
  }

  /** The newest history row (the last validation, with the train loss and throughput since the one before), if any. */
  public java.util.Optional<TrainerState.HistoryRow> lastValidation() {
    return history.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(history.get(history.size() - 1));
  }

  /** Training examples per second since the last validation. */
  public double seqPerSecond() {
    return seqSinceValidation / (nanosSinceValidation / 1e9);
  }

  /** A micro-batch of {@code rows} examples ran with this loss in {@code nanos}. */
  void addBatch(float loss, int rows, long nanos) {
    stepLoss += loss;
    batchesInStep++;
    lossSinceValidation += loss;
    batchesSinceValidation++;
    seqSinceValidation += rows;
    nanosSinceValidation += nanos;
  }

  /**
   * The optimizer step under way was applied at learning rate {@code learningRate}; the next
   * micro-batch is {@code nextBatch} of {@code nextEpoch}.
   */
  void completeStep(double learningRate, int nextEpoch, int nextBatch) {
    step++;
    lastStepLoss = stepLoss / batchesInStep;
    curve.add(new TrainerState.CurvePoint(step, lastStepLoss, learningRate));
    stepLoss = 0;
    batchesInStep = 0;
    epoch = nextEpoch;
    batchInEpoch = nextBatch;
  }

  /**
   * A validation after this step, run in {@code epoch} at {@code learningRate}, whose selection value
   * {@code improved} on the best so far (or not): one history row, and the counters restart.
   */
  void recordValidation(int epoch, double learningRate, ClassificationMetrics m, double value, boolean improved) {
    double seqPerSec = seqSinceValidation / Math.max(1e-9, nanosSinceValidation / 1e9);
    history.add(new TrainerState.HistoryRow(step, epoch, lossSinceValidation / batchesSinceValidation, learningRate,
        m.loss(), m.accuracy(), m.macroF1(), seqPerSec));
    lossSinceValidation = 0;
    batchesSinceValidation = 0;
    seqSinceValidation = 0;
    nanosSinceValidation = 0;
    if (improved) {
      bestMetric = value;
      bestStep = step;
      badValidations = 0;
    } else {
      badValidations++;
    }
  }

  void stopEarly() {
    stoppedEarly = true;
  }
}
