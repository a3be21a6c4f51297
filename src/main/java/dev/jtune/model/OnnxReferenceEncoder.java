package dev.jtune.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.jtune.JtuneException;
import dev.jtune.data.TokenBatch;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs an original ONNX encoder file ({@code input_ids}, {@code attention_mask}, {@code
 * token_type_ids} int64 -> {@code last_hidden_state}) in ONNX Runtime: the reference that the
 * imported TensorFlow encoder is checked and timed against.
 */
public final class OnnxReferenceEncoder implements AutoCloseable {

  private final OrtEnvironment env;
  private final OrtSession session;
  private final boolean hasTokenTypes;

  /** Opens {@code onnxFile} with {@code threads} intra-op threads (0 = ONNX Runtime's default). */
  public OnnxReferenceEncoder(Path onnxFile, int threads) {
    this(onnxFile, threads, true);
  }

  /** As above; {@code optimize = false} runs the graph exactly as stored (no ONNX Runtime fusions). */
  public OnnxReferenceEncoder(Path onnxFile, int threads, boolean optimize) {
    env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      if (threads > 0) options.setIntraOpNumThreads(threads);
      options.setOptimizationLevel(optimize ? OrtSession.SessionOptions.OptLevel.ALL_OPT : OrtSession.SessionOptions.OptLevel.NO_OPT);
      session = env.createSession(onnxFile.toString(), options);
      hasTokenTypes = session.getInputNames().contains("token_type_ids");
      if (!session.getInputNames().contains("input_ids") || !session.getInputNames().contains("attention_mask")) {
        session.close();
        throw new JtuneException(onnxFile + ": inputs " + session.getInputNames() + " lack input_ids/attention_mask");
      }
    } catch (OrtException e) {
      throw new JtuneException(onnxFile + ": ONNX Runtime cannot load it: " + e.getMessage(), e);
    }
  }

  /** {@code last_hidden_state} [batch, seqLen, hidden], row-major, for one padded batch. */
  public float[] lastHiddenState(TokenBatch batch) {
    return lastHiddenState(batch.size(), batch.seqLen(), batch.inputWordIds(), batch.inputMask(), batch.inputTypeIds());
  }

  /** As {@link #lastHiddenState(TokenBatch)} for row-major [batch, seqLen] arrays. */
  public float[] lastHiddenState(int batch, int seqLen, int[] wordIds, int[] mask, int[] typeIds) {
    long[] shape = {batch, seqLen};
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(widen(wordIds)), shape));
      inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(widen(mask)), shape));
      if (hasTokenTypes) inputs.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(widen(typeIds)), shape));
      try (OrtSession.Result r = session.run(inputs)) {
        FloatBuffer b = ((OnnxTensor) r.get(0)).getFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime run failed: " + e.getMessage(), e);
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  private static long[] widen(int[] a) {
    long[] out = new long[a.length];
    for (int i = 0; i < a.length; i++) out[i] = a[i];
    return out;
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }
}
