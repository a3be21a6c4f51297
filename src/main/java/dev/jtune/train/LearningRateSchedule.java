package dev.jtune.train;

/**
 * The learning rate as a function of the optimizer step (0-based). Every schedule shares the same
 * linear warmup: {@code rate(step) = peak * step / warmupSteps} while {@code step < warmupSteps};
 * what follows the warmup is the schedule's own shape. The rate is fed to the graph each step (one
 * schedule per {@link ParameterGroup}), so a new schedule is one small class implementing this and
 * one constant in {@link ScheduleKind}, which names it in configs.
 */
public interface LearningRateSchedule {
  /** The learning rate for optimizer step {@code step} (0-based). */
  double rate(long step);

  /** Warmup steps from either an explicit count (>= 0) or a ratio of the total steps. */
  static long warmupSteps(int explicitSteps, double ratio, long totalSteps) {
    return explicitSteps >= 0 ? explicitSteps : Math.round(ratio * totalSteps);
  }

  /** The shared warmup ramp: the factor (0..1) of the peak rate at {@code step}, or 1 after warmup. */
  static double warmupFactor(long step, long warmupSteps) {
    return step < warmupSteps ? (double) step / warmupSteps : 1.0;
  }

  /**
   * The rate of a decaying schedule: the shared warmup, then {@code min + (peak - min) * shape(p)} with
   * {@code p = (step - warmupSteps) / (totalSteps - warmupSteps)} going 0 -> 1, and {@code min} from
   * {@code totalSteps} on.
   */
  static double decaying(long step, double peak, double min, long warmupSteps, long totalSteps,
      java.util.function.DoubleUnaryOperator shape) {
    if (step < warmupSteps) return peak * warmupFactor(step, warmupSteps);
    if (step >= totalSteps) return min;
    return min + (peak - min) * shape.applyAsDouble((double) (step - warmupSteps) / (totalSteps - warmupSteps));
  }

  /** Checks a decaying schedule's settings. */
  static void check(double peak, double min, long warmupSteps, long totalSteps) {
    check(peak, min, warmupSteps);
    if (totalSteps < warmupSteps) throw new IllegalArgumentException("total steps " + totalSteps + " < warmup steps " + warmupSteps);
  }

  static void check(double peak, double min, long warmupSteps) {
    if (!(peak > 0)) throw new IllegalArgumentException("peak learning rate must be > 0, got " + peak);
    if (min < 0 || min > peak) throw new IllegalArgumentException("minimum learning rate must be in [0, peak], got " + min);
    if (warmupSteps < 0) throw new IllegalArgumentException("warmup steps must be >= 0, got " + warmupSteps);
  }
}
