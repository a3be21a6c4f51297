package dev.jtune.train;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * One term of the training objective over the head's logits. A loss builds its ops into the training
 * graph, declares there the per-example inputs it needs beyond the logits (the labels for
 * cross-entropy; a teacher's probabilities for a distillation term) and feeds them for each batch
 * from its own data, indexed by the batch's rows of the train split. Settings that do not change
 * during a run (class weights, a temperature) are fixed when the loss is made. The run's objective is
 * the sum of the terms {@link #forRun} returns.
 *
 * <p>A new loss is a class implementing this plus its line in {@link #forRun}.
 */
public interface Loss {
  /** Adds this loss over {@code logits} [batch, numLabels] to the graph of {@code tf}. Called once per graph. */
  Built build(Ops tf, Operand<TFloat32> logits);

  /** A loss in a graph. */
  interface Built {
    /** The loss of the fed batch, a scalar. */
    Operand<TFloat32> value();

    /** The inputs this loss declared, by name: each is fed by {@link #feed} for every training batch. */
    Map<String, Placeholder<?>> inputs();

    /** Feeds {@link #inputs} for the train examples {@code rows} (indices into the train split). */
    void feed(Feeds feeds, int[] rows);
  }

  /**
   * The loss terms of a run on {@code train} with these labels, as the config sets them; a term's
   * settings are resolved here, once (e.g. balanced class weights from the train labels).
   */
  static List<Loss> forRun(TrainingConfig config, List<String> labels, EncodedSplit train) {
    return forRun(config, labels, train, null);
  }

  /**
   * As {@link #forRun(TrainingConfig, List, EncodedSplit)}, with the teacher's logits of every train
   * example when the run distils ({@code distillation.teacher} set): the labels' cross-entropy
   * weighs {@code 1 - alpha} (and is left out at alpha 1), the distillation term {@code alpha} (left
   * out at alpha 0, which is plain fine-tuning).
   */
  static List<Loss> forRun(TrainingConfig config, List<String> labels, EncodedSplit train, FeatureCache teacherLogits) {
    TrainingConfig.Distillation d = config.distillation();
    if (!d.on()) return List.of(CrossEntropyLoss.of(config.loss(), labels, train.labels()));
    if (teacherLogits == null || teacherLogits.rows() != train.size()) {
      throw new IllegalArgumentException("a distilling run needs the teacher's logits of each of the " + train.size() + " train examples");
    }
    List<Loss> terms = new java.util.ArrayList<>();
    if (d.alpha() < 1) terms.add(CrossEntropyLoss.of(config.loss(), labels, train.labels(), 1 - d.alpha()));
    if (d.alpha() > 0) terms.add(new DistillationLoss(labels.size(), teacherLogits, d.temperature(), d.alpha()));
    return List.copyOf(terms);
  }
}
