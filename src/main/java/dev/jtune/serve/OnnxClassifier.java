package dev.jtune.serve;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.jtune.JtuneException;
import dev.jtune.data.TokenBatch;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The exported ONNX classifier run with ONNX Runtime: the same three inputs (int32 or int64, as
 * the file declares) and the {@code probabilities} output.
 */
public final class OnnxClassifier implements TextClassifier {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;
  private final Map<String, OnnxJavaType> inputTypes = new HashMap<>();

  public OnnxClassifier(Path onnxFile, int intraOpThreads) {
    if (!Files.isRegularFile(onnxFile)) {
      throw new JtuneException(onnxFile + ": ONNX file not found; export with --format onnx or pass --onnx FILE");
    }
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
      if (intraOpThreads > 0) opts.setIntraOpNumThreads(intraOpThreads);
      session = env.createSession(onnxFile.toString(), opts);
      for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
        inputTypes.put(e.getKey(), ((TensorInfo) e.getValue().getInfo()).type);
      }
      for (String name : new String[] {ClassifierAssets.INPUT_WORD_IDS, ClassifierAssets.INPUT_MASK, ClassifierAssets.INPUT_TYPE_IDS}) {
        if (!inputTypes.containsKey(name)) throw new JtuneException(onnxFile + ": no input '" + name + "' (inputs: " + inputTypes.keySet() + ")");
      }
      if (!session.getOutputNames().contains(ClassifierAssets.PROBABILITIES)) {
        throw new JtuneException(onnxFile + ": no output 'probabilities' (outputs: " + session.getOutputNames() + ")");
      }
    } catch (OrtException e) {
      throw new JtuneException(onnxFile + ": ONNX Runtime cannot load it: " + e.getMessage(), e);
    }
  }

  @Override
  public float[] probabilities(TokenBatch batch) {
    long[] shape = {batch.size(), batch.seqLen()};
    try (OnnxTensor ids = tensor(ClassifierAssets.INPUT_WORD_IDS, batch.inputWordIds(), shape);
        OnnxTensor mask = tensor(ClassifierAssets.INPUT_MASK, batch.inputMask(), shape);
        OnnxTensor types = tensor(ClassifierAssets.INPUT_TYPE_IDS, batch.inputTypeIds(), shape);
        OrtSession.Result r =
            session.run(
                Map.of(ClassifierAssets.INPUT_WORD_IDS, ids, ClassifierAssets.INPUT_MASK, mask, ClassifierAssets.INPUT_TYPE_IDS, types),
                java.util.Set.of(ClassifierAssets.PROBABILITIES))) {
      OnnxTensor p = (OnnxTensor) r.get(ClassifierAssets.PROBABILITIES).orElseThrow();
      var fb = p.getFloatBuffer();
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
