package dev.jtune.train;

import dev.jtune.eval.ClassificationMetrics;
import java.util.Optional;

/**
 * One optimizer step just applied, as {@link TrainingListener#onStep} sees it. Listeners run in order
 * on the same object: the validation listener records its result here, a later one (early stopping)
 * reads it, and any may ask for a checkpoint. After the last listener the loop writes the checkpoint
 * asked for, once, from {@link TrainingProgress#snapshot}.
 */
public final class StepEnd {
  private final TrainingProgress progress;
  private final int epoch;
  private final boolean epochEnd;
  private final boolean lastStep;
  private final double learningRate;
  private final double gradNorm;
  private final java.util.Map<String, Double> learningRates;
  private ClassificationMetrics validation;
  private boolean improved;
  private boolean checkpoint;

  StepEnd(TrainingProgress progress, int epoch, boolean epochEnd, boolean lastStep, double learningRate) {
    this(progress, epoch, epochEnd, lastStep, learningRate, Double.NaN, java.util.Map.of());
  }

  /**
   * @param gradNorm the global L2 norm of the step's gradient, before clipping
   * @param learningRates the learning rate of every parameter group that trains, by group name (head first)
   */
  StepEnd(TrainingProgress progress, int epoch, boolean epochEnd, boolean lastStep, double learningRate, double gradNorm,
      java.util.Map<String, Double> learningRates) {
    this.progress = progress;
    this.epoch = epoch;
    this.epochEnd = epochEnd;
    this.lastStep = lastStep;
    this.learningRate = learningRate;
    this.gradNorm = gradNorm;
    this.learningRates = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(learningRates));
  }

  public TrainingProgress progress() {
    return progress;
  }

  /** The step just applied (1-based). */
  public long step() {
    return progress.step();
  }

  /** The epoch the step ran in. */
  public int epoch() {
    return epoch;
  }

  /** True when the step ended its epoch. */
  public boolean epochEnd() {
    return epochEnd;
  }

  /** True when it was the run's last planned step. */
  public boolean lastStep() {
    return lastStep;
  }

  /** The learning rate the step was applied with (the first parameter group's). */
  public double learningRate() {
    return learningRate;
  }

  /** The global L2 norm of the step's gradient before clipping (NaN when not measured). */
  public double gradNorm() {
    return gradNorm;
  }

  /** The learning rate of every parameter group that trains, by group name, head first. */
  public java.util.Map<String, Double> learningRates() {
    return learningRates;
  }

  /** The step's train loss: the mean over its micro-batches. */
  public double trainLoss() {
    return progress.lastStepLoss();
  }

  /** The validation run after this step, if one ran. */
  public Optional<ClassificationMetrics> validation() {
    return Optional.ofNullable(validation);
  }

  /** True when this step's validation is the best so far (its weights go to {@code best.ckpt}). */
  public boolean improved() {
    return improved;
  }

  /** Asks for {@code last.ckpt} after this step. */
  public void requestCheckpoint() {
    checkpoint = true;
  }

  public boolean checkpointRequested() {
    return checkpoint;
  }

  /** Ends the run after this step (early stopping); saved in the state, so a resumed run stays stopped. */
  public void stopEarly() {
    progress.stopEarly();
  }

  /** A validation ran; every validation is checkpointed, an improved one in {@code best.ckpt} too. */
  void validated(ClassificationMetrics metrics, boolean improved) {
    this.validation = metrics;
    this.improved = improved;
    this.checkpoint = true;
  }
}
