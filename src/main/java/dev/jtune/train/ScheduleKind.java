package dev.jtune.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.jtune.artifact.NamedChoice;
import java.util.List;

/**
 * Every learning-rate schedule a config can name ({@code schedule.kind}), with its help text and how
 * to build it. A new schedule is its class (a {@link LearningRateSchedule}) plus one constant here:
 * the config check, {@code --list-options}, the CLI's {@code --schedule} help and the docs' field
 * table all read this list.
 */
public enum ScheduleKind implements NamedChoice {
  CONSTANT("constant", "the peak rate from the end of the warmup on", (peak, min, warmup, total) -> new ConstantSchedule(peak, warmup)),
  LINEAR("linear", "a straight line down to min_learning_rate_ratio * peak at the last step", LinearDecaySchedule::new),
  COSINE("cosine", "half a cosine down to min_learning_rate_ratio * peak at the last step", CosineSchedule::new);

  /** Builds a schedule from the peak rate, the rate it ends at, and the warmup and total optimizer steps. */
  @FunctionalInterface
  public interface Factory {
    LearningRateSchedule create(double peak, double min, long warmupSteps, long totalSteps);
  }

  private final String jsonName;
  private final String help;
  private final Factory factory;

  ScheduleKind(String jsonName, String help, Factory factory) {
    this.jsonName = jsonName;
    this.help = help;
    this.factory = factory;
  }

  @JsonValue
  @Override
  public String jsonName() {
    return jsonName;
  }

  /** What the schedule does after the warmup. */
  @Override
  public String help() {
    return help;
  }

  /** This schedule for one parameter group. */
  public LearningRateSchedule create(double peak, double min, long warmupSteps, long totalSteps) {
    return factory.create(peak, min, warmupSteps, totalSteps);
  }

  /** Every name, in declaration order. */
  public static List<String> names() {
    return NamedChoice.names(ScheduleKind.class);
  }

  /** The schedule called exactly {@code name}; an unknown name is a one-line error listing the known ones. */
  @JsonCreator
  public static ScheduleKind parse(String name) {
    return NamedChoice.parse(ScheduleKind.class, "schedule.kind", name);
  }

  @Override
  public String toString() {
    return jsonName;
  }
}
