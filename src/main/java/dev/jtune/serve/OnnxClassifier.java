package dev.jtune.serve;

import dev.jtune.JtuneException;
import dev.jtune.data.TokenBatch;
import dev.jtune.export.OnnxPredictor;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The exported ONNX classifier run with ONNX Runtime ({@link OnnxPredictor}) as a
 * {@link TextClassifier}.
 */
public final class OnnxClassifier implements TextClassifier {
  private final OnnxPredictor predictor;

  public OnnxClassifier(Path onnxFile, int intraOpThreads) {
    if (!Files.isRegularFile(onnxFile)) {
      throw new JtuneException(onnxFile + ": ONNX file not found; export with --format onnx or pass --onnx FILE");
    }
    predictor = OnnxPredictor.load(onnxFile, intraOpThreads);
  }

  @Override
  public float[] probabilities(TokenBatch batch) {
    return predictor.probabilities(batch);
  }

  @Override
  public void close() {
    predictor.close();
  }
}
