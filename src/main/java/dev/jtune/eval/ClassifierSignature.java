package dev.jtune.eval;

import dev.jtune.data.TokenBatch;
import dev.jtune.model.BertEncoder;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SessionFunction;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * One call of a classifier SavedModel's {@code serving_default} signature on a token batch: the
 * three int32 encoder inputs in, one float output ({@code logits} or {@code probabilities}) out.
 * The input tensors and the Result live only inside the call.
 */
public final class ClassifierSignature {
  public static final String LOGITS = "logits";
  public static final String PROBABILITIES = "probabilities";

  private ClassifierSignature() {}

  /** The named output, row-major {@code [batch.size(), numLabels]}. */
  public static float[] run(SessionFunction serving, TokenBatch b, String output) {
    Shape shape = Shape.of(b.size(), b.seqLen());
    try (TInt32 ids = TInt32.tensorOf(shape, DataBuffers.of(b.inputWordIds(), true, false));
        TInt32 mask = TInt32.tensorOf(shape, DataBuffers.of(b.inputMask(), true, false));
        TInt32 types = TInt32.tensorOf(shape, DataBuffers.of(b.inputTypeIds(), true, false));
        Result r = serving.call(Map.of(BertEncoder.INPUT_WORD_IDS, ids, BertEncoder.INPUT_MASK, mask, BertEncoder.INPUT_TYPE_IDS, types))) {
      TFloat32 t = (TFloat32) r.get(output).orElseThrow();
      float[] out = new float[(int) t.shape().size()];
      t.copyTo(DataBuffers.of(out, false, false));
      return out;
    }
  }
}
