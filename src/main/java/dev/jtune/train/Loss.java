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
    return List.of(
        CrossEntropyLoss.of(config.loss(), labels, train.labels()));
  }
}
