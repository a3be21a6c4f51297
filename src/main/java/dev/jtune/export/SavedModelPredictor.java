package dev.jtune.export;

import dev.jtune.JtuneException;
import dev.jtune.data.TokenBatch;
import dev.jtune.eval.ClassifierSignature;
import java.nio.file.Path;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;

/** Runs a classifier SavedModel's {@code serving_default} signature with TensorFlow Java. Owns the bundle. */
public final class SavedModelPredictor implements BatchPredictor, AutoCloseable {
  private final SavedModelBundle bundle;
  private final SessionFunction function;

  private SavedModelPredictor(SavedModelBundle bundle) {
    this.bundle = bundle;
    this.function = bundle.function("serving_default");
  }

  public static SavedModelPredictor load(Path dir) {
    try {
      return new SavedModelPredictor(SavedModelBundle.load(dir.toString(), "serve"));
    } catch (org.tensorflow.exceptions.TensorFlowException e) {
      throw new JtuneException(dir + ": cannot load SavedModel: " + e.getMessage().lines().findFirst().orElse(""), e);
    }
  }

  @Override
  public float[][] predict(TokenBatch b) {
    return BatchPredictor.rows(ClassifierSignature.run(function, b, InferenceModel.PROBABILITIES), b.size());
  }

  @Override
  public void close() {
    bundle.close();
  }
}
