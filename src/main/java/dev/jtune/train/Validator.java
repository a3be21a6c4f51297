package dev.jtune.train;

import dev.jtune.data.LengthSortedBatches;
import dev.jtune.eval.ClassificationMetrics;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Metrics of the training graph's current weights on the validation split: probabilities in
 * length-sorted batches without dropout ({@link LengthSortedBatches#of}), then {@link
 * ClassificationMetrics#fromProbabilities} (argmax, confusion matrix, mean negative log-likelihood).
 * Rows are scored in the order they ran: the metrics do not depend on it, but the loss's sum does in
 * its last bits, and this order is the one validation losses have always been summed in.
 */
final class Validator {
  private final Session session;
  private final Operand<TFloat32> probabilities;
  private final BatchFeeder inputs;
  private final List<int[]> batches;
  private final int[] truth;
  private final List<String> labels;

  Validator(Session session, Operand<TFloat32> probabilities, BatchFeeder inputs, EncodedSplit split, List<String> labels,
      int batchSize) {
    this.session = session;
    this.probabilities = probabilities;
    this.inputs = inputs;
    this.batches = LengthSortedBatches.of(split.lengths(), batchSize);
    this.truth = split.labels();
    this.labels = List.copyOf(labels);
  }

  ClassificationMetrics validate() {
    float[][] probs = new float[truth.length][];
    int[] truthInRunOrder = new int[truth.length];
    int done = 0;
    for (int[] rows : batches) {
      float[] flat = probabilities(rows);
      int width = flat.length / rows.length;
      for (int i = 0; i < rows.length; i++, done++) {
        probs[done] = Arrays.copyOfRange(flat, i * width, (i + 1) * width);
        truthInRunOrder[done] = truth[rows[i]];
      }
    }
    return ClassificationMetrics.fromProbabilities(probs, truthInRunOrder, labels);
  }

  private float[] probabilities(int[] rows) {
    try (Feeds feeds = new Feeds(session.runner())) {
      inputs.feed(feeds, rows);
      try (Result r = feeds.runner().fetch(probabilities).run()) {
        TFloat32 t = (TFloat32) r.get(0);
        float[] out = new float[(int) t.shape().size()];
        t.copyTo(DataBuffers.of(out, false, false));
        return out;
      }
    }
  }
}
