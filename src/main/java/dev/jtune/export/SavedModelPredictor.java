package dev.jtune.export;

import dev.jtune.JtuneException;
import dev.jtune.data.TokenBatch;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TInt32;

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
    Shape shape = Shape.of(b.size(), b.seqLen());
    Map<String, Tensor> in = new LinkedHashMap<>();
    try {
      in.put(InferenceModel.INPUTS.get(0), TInt32.tensorOf(shape, DataBuffers.of(b.inputWordIds(), true, false)));
      in.put(InferenceModel.INPUTS.get(1), TInt32.tensorOf(shape, DataBuffers.of(b.inputMask(), true, false)));
      in.put(InferenceModel.INPUTS.get(2), TInt32.tensorOf(shape, DataBuffers.of(b.inputTypeIds(), true, false)));
      try (Result r = function.call(in)) {
        Tensor p = r.get(InferenceModel.PROBABILITIES).orElseThrow();
        int classes = (int) p.shape().get(1);
        float[] flat = new float[b.size() * classes];
        p.asRawTensor().data().asFloats().read(flat);
        float[][] out = new float[b.size()][classes];
        for (int i = 0; i < b.size(); i++) System.arraycopy(flat, i * classes, out[i], 0, classes);
        return out;
      }
    } finally {
      in.values().forEach(Tensor::close);
    }
  }

  @Override
  public void close() {
    bundle.close();
  }
}
