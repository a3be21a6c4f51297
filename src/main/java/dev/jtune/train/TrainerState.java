package dev.jtune.train;

import java.util.List;

/**
 * Where a training run stands, saved in every checkpoint so that {@code --resume} continues exactly:
 * the position in the data (epoch and micro-batch; the order of each epoch is derived from the seed),
 * the optimizer step, early-stopping bookkeeping and the history so far. A running loop keeps these
 * values in {@link TrainingProgress}, whose {@code snapshot()} is the one place a run makes one.
 *
 * @param step optimizer steps done
 * @param epoch current epoch (0-based)
 * @param batchInEpoch micro-batches of {@code epoch} already consumed
 * @param bestMetric best validation value of the chosen metric so far (NaN before the first)
 * @param bestStep step of the best validation (-1 before the first)
 * @param badValidations validations since the last improvement (the patience counter)
 * @param stoppedEarly true once early stopping fired
 * @param lossSinceValidation sum of micro-batch train losses since the last validation
 * @param batchesSinceValidation micro-batches since the last validation
 * @param history one row per validation
 * @param curve train loss and learning rate per optimizer step
 */
public record TrainerState(
    long step,
    int epoch,
    int batchInEpoch,
    double bestMetric,
    long bestStep,
    int badValidations,
    boolean stoppedEarly,
    double lossSinceValidation,
    int batchesSinceValidation,
    List<HistoryRow> history,
    List<CurvePoint> curve) {

  public TrainerState {
    history = List.copyOf(history);
    curve = List.copyOf(curve);
  }

  /** The state of a run before its first step. */
  public static TrainerState start() {
    return new TrainerState(0, 0, 0, Double.NaN, -1, 0, false, 0, 0, List.of(), List.of());
  }

  /** One validation round. */
  public record HistoryRow(
      long step, int epoch, double trainLoss, double learningRate, double valLoss, double valAccuracy, double valMacroF1,
      double seqPerSecond) {}

  /** Train loss and head learning rate of one optimizer step. */
  public record CurvePoint(long step, double loss, double learningRate) {}
}
