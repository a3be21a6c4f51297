package dev.jtune.train;

/** Linear warmup to {@code peak}, then {@code peak} for every later step. */
public record ConstantSchedule(double peak, long warmupSteps) implements LearningRateSchedule {
  public ConstantSchedule {
    LearningRateSchedule.check(peak, 0, warmupSteps);
  }

  @Override
  public double rate(long step) {
    return peak * LearningRateSchedule.warmupFactor(step, warmupSteps);
  }
}
