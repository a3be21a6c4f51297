package dev.jtune.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.jtune.data.TokenBatch;
import java.nio.IntBuffer;
import java.nio.file.Path;
import java.util.Map;

/** Runs an exported model.onnx with ONNX Runtime (CPU). Owns the ORT session. */
public final class OnnxPredictor implements BatchPredictor, AutoCloseable {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;

  private OnnxPredictor(OrtSession session) {
    this.session = session;
  }

  /** {@code threads} intra-op threads (0 = ONNX Runtime's default). */
  public static OnnxPredictor load(Path file, int threads) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      if (threads > 0) o.setIntraOpNumThreads(threads);
      return new OnnxPredictor(env.createSession(file.toString(), o));
    }
  }

  @Override
  public float[][] predict(TokenBatch b) throws OrtException {
    long[] shape = {b.size(), b.seqLen()};
    try (OnnxTensor ids = OnnxTensor.createTensor(env, IntBuffer.wrap(b.inputWordIds()), shape);
         OnnxTensor mask = OnnxTensor.createTensor(env, IntBuffer.wrap(b.inputMask()), shape);
         OnnxTensor types = OnnxTensor.createTensor(env, IntBuffer.wrap(b.inputTypeIds()), shape);
         OrtSession.Result r = session.run(Map.of(InferenceModel.INPUTS.get(0), ids, InferenceModel.INPUTS.get(1), mask,
             InferenceModel.INPUTS.get(2), types), java.util.Set.of(InferenceModel.PROBABILITIES))) {
      return (float[][]) r.get(0).getValue();
    }
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
