package dev.jtune.train;

import java.util.List;
import java.util.function.Predicate;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Variables that train together: one learning-rate schedule and one weight-decay rule. {@link AdamW}
 * gives each group its own learning-rate input and the training loop feeds it {@code
 * schedule().rate(step)} every step, so what differs between groups is data here, never a name
 * compared in code. A fine-tuning run has three ({@link #fineTuning}): the head, the encoder
 * variables that train (empty while the encoder is frozen), and the table of a wide-and-deep head's
 * wide part (empty without one).
 *
 * @param name names the group's learning-rate input in the graph ({@code adamw/lr_<name>})
 * @param variables the variables, in the order their gradients and optimizer slots are built
 */
public record ParameterGroup(String name, List<Variable<TFloat32>> variables, LearningRateSchedule schedule,
    WeightDecay weightDecay) {
  public ParameterGroup {
    if (name == null || name.isBlank()) throw new IllegalArgumentException("a parameter group needs a name");
    variables = List.copyOf(variables);
    java.util.Objects.requireNonNull(schedule, "schedule");
    java.util.Objects.requireNonNull(weightDecay, "weightDecay");
  }

  /**
   * Decoupled weight decay {@code w -= lr * rate * w} after each Adam step, on the variables whose
   * op name {@code appliesTo} accepts.
   */
  public record WeightDecay(double rate, Predicate<String> appliesTo) {
    /** No decay at all. */
    public static final WeightDecay NONE = new WeightDecay(0, name -> false);

    public WeightDecay {
      if (!(rate >= 0 && Double.isFinite(rate))) throw new IllegalArgumentException("weight decay must be finite and >= 0, got " + rate);
      java.util.Objects.requireNonNull(appliesTo, "appliesTo");
    }

    /** The usual BERT rule: decay everything except biases and LayerNorm parameters. */
    public static WeightDecay exceptBiasesAndLayerNorm(double rate) {
      return new WeightDecay(rate, name -> !(name.endsWith("/bias") || name.contains("LayerNorm/")));
    }

    /** Whether this variable decays. */
    public boolean decays(Variable<?> v) {
      return rate > 0 && appliesTo.test(v.op().name());
    }
  }

  /**
   * The groups of a fine-tuning run: the head at {@code optimizer.learning_rate} first (its rate is the
   * one runs report), then the trained encoder variables at {@code optimizer.encoder_learning_rate},
   * then the wide part's table at {@code optimizer.wide_learning_rate} with its own decay {@code
   * optimizer.wide_weight_decay} (a sparse linear model wants a larger rate than the dense head); all
   * follow {@code schedule.kind} with the same warmup and decay to {@code min_learning_rate_ratio} of
   * their own peak.
   */
  public static List<ParameterGroup> fineTuning(TrainingConfig config, List<Variable<TFloat32>> head,
      List<Variable<TFloat32>> encoder, List<Variable<TFloat32>> wide, long totalSteps) {
    TrainingConfig.Schedule s = config.schedule();
    long warmup = Math.min(totalSteps, LearningRateSchedule.warmupSteps(s.warmupSteps(), s.warmupRatio(), totalSteps));
    double headLr = config.optimizer().learningRate(), encoderLr = config.optimizer().encoderLearningRate(),
        wideLr = config.optimizer().wideLearningRate();
    WeightDecay decay = WeightDecay.exceptBiasesAndLayerNorm(config.optimizer().weightDecay());
    return List.of(
        new ParameterGroup("head", head, s.kind().create(headLr, headLr * s.minLearningRateRatio(), warmup, totalSteps), decay),
        new ParameterGroup("encoder", encoder,
            s.kind().create(encoderLr, encoderLr * s.minLearningRateRatio(), warmup, totalSteps), decay),
        new ParameterGroup("wide", wide, s.kind().create(wideLr, wideLr * s.minLearningRateRatio(), warmup, totalSteps),
            new WeightDecay(config.optimizer().wideWeightDecay(), name -> true)));
  }
}
