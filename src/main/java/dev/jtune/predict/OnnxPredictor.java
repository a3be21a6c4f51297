package dev.jtune.predict;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.jtune.JtuneException;
import dev.jtune.artifact.ClassifierTensors;
import dev.jtune.data.TokenBatch;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A classifier ONNX file run with ONNX Runtime (CPU): the three encoder inputs (int32 or int64, as
 * the file declares) to the {@code probabilities} output. Owns the ORT session; thread-safe.
 */
public final class OnnxPredictor implements Predictor {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;
  private final Map<String, OnnxJavaType> inputTypes = new HashMap<>();

  private OnnxPredictor(Path file, OrtSession session) throws OrtException {
    this.session = session;
    for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
      inputTypes.put(e.getKey(), ((TensorInfo) e.getValue().getInfo()).type);
    }
    for (String name : ClassifierTensors.INPUTS) {
      if (!inputTypes.containsKey(name)) throw new JtuneException(file + ": no input '" + name + "' (inputs: " + inputTypes.keySet() + ")");
    }
    if (!session.getOutputNames().contains(ClassifierTensors.PROBABILITIES)) {
      throw new JtuneException(file + ": no output '" + ClassifierTensors.PROBABILITIES + "' (outputs: " + session.getOutputNames() + ")");
    }
  }

  /**
   * Loads {@code file} with {@code threads} intra-op threads (0 = ONNX Runtime's default); a file
   * ONNX Runtime cannot load or that is not a classifier is a {@link JtuneException}.
   */
  public static OnnxPredictor load(Path file, int threads) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      if (threads > 0) o.setIntraOpNumThreads(threads);
      OrtSession session = env.createSession(file.toString(), o);
      try {
        return new OnnxPredictor(file, session);
      } catch (RuntimeException | OrtException e) {
        session.close();
        throw e;
      }
    } catch (OrtException e) {
      throw new JtuneException(file + ": ONNX Runtime cannot load it: " + e.getMessage(), e);
    }
  }

  @Override
  public float[] probabilities(TokenBatch batch) {
    long[] shape = {batch.size(), batch.seqLen()};
    String idsName = ClassifierTensors.INPUT_WORD_IDS, maskName = ClassifierTensors.INPUT_MASK, typesName = ClassifierTensors.INPUT_TYPE_IDS;
    try (OnnxTensor ids = tensor(idsName, batch.inputWordIds(), shape);
        OnnxTensor mask = tensor(maskName, batch.inputMask(), shape);
        OnnxTensor types = tensor(typesName, batch.inputTypeIds(), shape);
        OrtSession.Result r = session.run(Map.of(idsName, ids, maskName, mask, typesName, types), Set.of(ClassifierTensors.PROBABILITIES))) {
      FloatBuffer fb = ((OnnxTensor) r.get(ClassifierTensors.PROBABILITIES).orElseThrow()).getFloatBuffer();
      float[] out = new float[fb.remaining()];
      fb.get(out);
      return out;
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
    }
  }

  private OnnxTensor tensor(String name, int[] values, long[] shape) throws OrtException {
    if (inputTypes.get(name) == OnnxJavaType.INT64) {
      long[] l = new long[values.length];
      for (int i = 0; i < values.length; i++) l[i] = values[i];
      return OnnxTensor.createTensor(env, LongBuffer.wrap(l), shape);
    }
    return OnnxTensor.createTensor(env, IntBuffer.wrap(values), shape);
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
