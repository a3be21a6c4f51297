package dev.jtune.predict;

import dev.jtune.JtuneException;
import dev.jtune.artifact.ClassifierTensors;
import dev.jtune.data.TokenBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A classifier SavedModel folder ({@code runs/<run>/model/} or an exported version) run with
 * TensorFlow Java: its {@code serving_default} signature, the three int32 encoder inputs in,
 * {@code probabilities} (or {@code logits}) out. Owns the loaded bundle; thread-safe.
 */
public final class SavedModelPredictor implements Predictor {
  private final SavedModelBundle bundle;
  private final SessionFunction serving;

  private SavedModelPredictor(SavedModelBundle bundle, SessionFunction serving) {
    this.bundle = bundle;
    this.serving = serving;
  }

  /** Loads {@code dir}; a folder that is not a classifier SavedModel is one {@link JtuneException} line. */
  public static SavedModelPredictor load(Path dir) {
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      throw new JtuneException(dir + ": no saved_model.pb; pass the model/ folder of a training run or an exported version folder");
    }
    SavedModelBundle bundle;
    try {
      bundle = SavedModelBundle.load(dir.toString(), "serve");
    } catch (org.tensorflow.exceptions.TensorFlowException e) {
      throw new JtuneException(dir + ": cannot load SavedModel: " + e.getMessage().lines().findFirst().orElse(""), e);
    }
    return of(dir, bundle);
  }

  /**
   * A predictor over a loaded {@code bundle}, which it owns from here on: when the bundle has no
   * classifier signature it is closed before the refusal is thrown.
   */
  static SavedModelPredictor of(Path dir, SavedModelBundle bundle) {
    try {
      SessionFunction serving;
      try {
        serving = bundle.function(ClassifierTensors.SIGNATURE_KEY);
      } catch (IllegalArgumentException e) {
        throw new JtuneException(dir + ": no '" + ClassifierTensors.SIGNATURE_KEY + "' signature; it is not a jtune classifier SavedModel");
      }
      Signature sig = serving.signature();
      if (!sig.getInputs().keySet().containsAll(ClassifierTensors.INPUTS) || !sig.getOutputs().containsKey(ClassifierTensors.PROBABILITIES)) {
        throw new JtuneException(dir + ": signature '" + ClassifierTensors.SIGNATURE_KEY + "' takes " + sig.getInputs().keySet()
            + " and gives " + sig.getOutputs().keySet() + "; a jtune classifier takes " + ClassifierTensors.INPUTS + " and gives "
            + ClassifierTensors.PROBABILITIES);
      }
      return new SavedModelPredictor(bundle, serving);
    } catch (RuntimeException e) {
      bundle.close();
      throw e;
    }
  }

  @Override
  public float[] probabilities(TokenBatch batch) {
    return run(batch, ClassifierTensors.PROBABILITIES);
  }

  /** The logits, row-major {@code [batch.size(), numLabels]}. */
  public float[] logits(TokenBatch batch) {
    return run(batch, ClassifierTensors.LOGITS);
  }

  /** The named output; the input tensors and the Result live only inside the call. */
  private float[] run(TokenBatch b, String output) {
    Shape shape = Shape.of(b.size(), b.seqLen());
    try (TInt32 ids = TInt32.tensorOf(shape, DataBuffers.of(b.inputWordIds(), true, false));
        TInt32 mask = TInt32.tensorOf(shape, DataBuffers.of(b.inputMask(), true, false));
        TInt32 types = TInt32.tensorOf(shape, DataBuffers.of(b.inputTypeIds(), true, false));
        Result r = serving.call(Map.of(ClassifierTensors.INPUT_WORD_IDS, ids, ClassifierTensors.INPUT_MASK, mask,
            ClassifierTensors.INPUT_TYPE_IDS, types))) {
      TFloat32 t = (TFloat32) r.get(output).orElseThrow(() -> new IllegalStateException("the signature has no output '" + output + "'"));
      float[] out = new float[(int) t.shape().size()];
      t.copyTo(DataBuffers.of(out, false, false));
      return out;
    }
  }

  @Override
  public void close() {
    bundle.close();
  }
}
