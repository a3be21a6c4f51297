package dev.jtune.train;

import dev.jtune.eval.ClassificationMetrics;
import java.util.function.Supplier;

/**
 * Validates at the end of every epoch, or every {@code validation.every_steps} steps, and at the last
 * step; records the result in the history and decides whether it is the best so far by {@code
 * validation.metric} (that step's weights then go to {@code best.ckpt}). Every validation asks for a
 * checkpoint, so {@code last.ckpt} always holds the newest history.
 */
final class ValidationListener implements TrainingListener {
  private final Supplier<ClassificationMetrics> validate;
  private final TrainingConfig.Validation settings;
  private final DivergenceGuard guard;

  /** {@code validate} computes the metrics of the current weights on the validation split ({@link Validator#validate}). */
  ValidationListener(Supplier<ClassificationMetrics> validate, TrainingConfig.Validation settings, DivergenceGuard guard) {
    this.validate = validate;
    this.settings = settings;
    this.guard = guard;
  }

  /** Whether a validation follows step {@code step}. */
  boolean due(long step, boolean epochEnd, boolean lastStep) {
    return settings.everySteps() > 0 ? step % settings.everySteps() == 0 || lastStep : epochEnd || lastStep;
  }

  @Override
  public void onStep(StepEnd end) {
    if (!due(end.step(), end.epochEnd(), end.lastStep())) return;
    ClassificationMetrics m = validate.get();
    guard.requireFinite(end.step(), "the validation loss", (float) m.loss());
    double value = m.metric(settings.metric()), best = end.progress().bestMetric();
    boolean improved = Double.isNaN(best)
        || (ClassificationMetrics.higherIsBetter(settings.metric()) ? value > best : value < best);
    end.progress().recordValidation(end.epoch(), end.learningRate(), m, value, improved);
    end.validated(m, improved);
  }
}
