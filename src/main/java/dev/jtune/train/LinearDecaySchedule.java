package dev.jtune.train;

/**
 * Linear warmup to {@code peak}, then a straight line from {@code peak} down to {@code min} at
 * {@code totalSteps}: {@code min + (peak - min) * (totalSteps - step) / (totalSteps - warmupSteps)},
 * and {@code min} from {@code totalSteps} on.
 */
public record LinearDecaySchedule(double peak, double min, long warmupSteps, long totalSteps)
    implements LearningRateSchedule {
  public LinearDecaySchedule {
    LearningRateSchedule.check(peak, min, warmupSteps, totalSteps);
  }

  @Override
  public double rate(long step) {
    return LearningRateSchedule.decaying(step, peak, min, warmupSteps, totalSteps, p -> 1 - p);
  }
}
