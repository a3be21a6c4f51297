package dev.jtune.train;

/**
 * Linear warmup to {@code peak}, then a straight line from {@code peak} down to {@code min} at
 * {@code totalSteps}: {@code min + (peak - min) * (totalSteps - step) / (totalSteps - warmupSteps)},
 * and {@code min} from {@code totalSteps} on.
 */
public record LinearDecaySchedule(double peak, double min, long warmupSteps, long totalSteps)
    implements LearningRateSchedule {
  public LinearDecaySchedule {
    LearningRateSchedule.check(peak, min, warmupSteps);
    if (totalSteps < warmupSteps) throw new IllegalArgumentException("total steps " + totalSteps + " < warmup steps " + warmupSteps);
  }

  @Override
  public double rate(long step) {
    if (step < warmupSteps) return peak * LearningRateSchedule.warmupFactor(step, warmupSteps);
    if (step >= totalSteps) return min;
    double remaining = (double) (totalSteps - step) / (totalSteps - warmupSteps);
    return min + (peak - min) * remaining;
  }
}
