package dev.jtune.predict;

import dev.jtune.data.TokenBatch;

/**
 * A classifier runtime: a padded token batch ({@link TokenBatch}) in, class probabilities out.
 * Implemented over TensorFlow (a classifier SavedModel) and ONNX Runtime (its ONNX twin); every
 * stage that runs a trained classifier (evaluation, export parity, scoring, serving) goes through
 * one. Batching many texts is {@link dev.jtune.data.LengthSortedBatches}'s job.
 */
public interface Predictor extends AutoCloseable {
  /** Class probabilities, row-major {@code [batch.size(), numLabels]}. Safe to call from several threads. */
  float[] probabilities(TokenBatch batch);

  /** Releases the runtime's native resources. */
  @Override
  void close();
}
