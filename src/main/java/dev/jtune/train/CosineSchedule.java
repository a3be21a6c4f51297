package dev.jtune.train;

/**
 * Linear warmup to {@code peak}, then half a cosine from {@code peak} down to {@code min}:
 * with {@code p = (step - warmupSteps) / (totalSteps - warmupSteps)},
 * {@code rate = min + (peak - min) * (1 + cos(pi * p)) / 2}, and {@code min} from {@code totalSteps} on.
 */
public record CosineSchedule(double peak, double min, long warmupSteps, long totalSteps)
    implements LearningRateSchedule {
  public CosineSchedule {
    LearningRateSchedule.check(peak, min, warmupSteps, totalSteps);
  }

  @Override
  public double rate(long step) {
    return LearningRateSchedule.decaying(step, peak, min, warmupSteps, totalSteps, p -> 0.5 * (1 + Math.cos(Math.PI * p)));
  }
}
