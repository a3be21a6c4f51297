package dev.jtune.serve;

import dev.jtune.data.TokenBatch;

/**
 * An exported text classifier run on token batches: the exported SavedModel through TF-Java
 * ({@link SavedModelClassifier}) or its ONNX twin through ONNX Runtime ({@link OnnxClassifier}).
 */
public interface TextClassifier extends AutoCloseable {

  /** Class probabilities, row-major {@code [batch.size(), numLabels]}. Thread-safe. */
  float[] probabilities(TokenBatch batch);

  @Override
  void close();

  /** Which runtime runs the model. */
  enum Backend {
    TF,
    ONNX
  }
}
