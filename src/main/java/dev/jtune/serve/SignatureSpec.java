package dev.jtune.serve;

import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * A SavedModel signature (name, method, inputs, outputs) read from its MetaGraphDef, in the order
 * the SavedModel lists them.
 */
public record SignatureSpec(
    String name, String methodName, Map<String, TensorSpec> inputs, Map<String, TensorSpec> outputs) {

  public SignatureSpec {
    inputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    outputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
  }

  /**
   * The first input or output whose dtype jtune cannot carry (e.g. DT_INT8, which TF-Java has no
   * type for), or empty when every one can; a signature without inputs (an init op) is not one to call.
   */
  public java.util.Optional<TensorSpec> uncarried() {
    if (inputs.isEmpty()) return java.util.Optional.empty();
    return java.util.stream.Stream.concat(inputs.values().stream(), outputs.values().stream())
        .filter(t -> t.carriedType().isEmpty())
        .findFirst();
  }

  public static SignatureSpec of(String name, SignatureDef def) {
    return new SignatureSpec(name, def.getMethodName(), specs(def.getInputsMap()), specs(def.getOutputsMap()));
  }

  private static Map<String, TensorSpec> specs(Map<String, TensorInfo> infos) {
    Map<String, TensorSpec> out = new LinkedHashMap<>();
    // protobuf maps have no stable order; sort by key so responses are deterministic
    infos.keySet().stream()
        .sorted()
        .forEach(
            k -> {
              TensorInfo info = infos.get(k);
              TensorShapeProto shape = info.getTensorShape();
              long[] dims = null;
              if (info.hasTensorShape() && !shape.getUnknownRank()) {
                dims = shape.getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray();
              }
              out.put(k, new TensorSpec(k, info.getName(), info.getDtype().name(), dims));
            });
    return out;
  }
}
