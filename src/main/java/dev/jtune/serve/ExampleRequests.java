package dev.jtune.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.tensorflow.proto.BytesList;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.FloatList;
import org.tensorflow.proto.Int64List;

/**
 * TF Serving's {@code :classify} and {@code :regress} APIs ({@code {"examples": [{feature:
 * value}], "context"?: {...}}}). For a jtune text classifier the {@code text} feature is tokenized
 * server-side and the answer lists every label with its probability; for any other SavedModel the
 * examples become serialized {@code tf.Example}s fed to its classify/regress signature.
 */
final class ExampleRequests {
  static final String CLASSIFY_METHOD = "tensorflow/serving/classify";
  static final String REGRESS_METHOD = "tensorflow/serving/regress";

  private ExampleRequests() {}

  static CompletableFuture<byte[]> classify(ServableVersion v, JsonNode root, ModelRunner runner) {
    List<JsonNode> examples = examples(root);
    String sigName = TfServingJson.signatureName(root);
    if (v.classifier().isPresent() && ClassifierAssets.isTokenSignature(v.signature(sigName))) {
      List<String> labels = v.classifier().get().labels();
      List<String> texts = new ArrayList<>(examples.size());
      for (int i = 0; i < examples.size(); i++) texts.add(text(examples.get(i), i));
      return submitTexts(v, sigName, texts, runner)
          .thenApply(
              out -> {
                HostTensor p = probabilities(out);
                int c = (int) p.shape()[1];
                if (c != labels.size()) {
                  throw new ApiException(500, "model has " + c + " classes but assets.extra/labels.txt lists " + labels.size());
                }
                ObjectNode resp = TfServingJson.MAPPER.createObjectNode();
                ArrayNode results = resp.putArray("results");
                float[] probs = p.floats();
                for (int r = 0; r < p.shape()[0]; r++) {
                  ArrayNode row = results.addArray();
                  for (int k = 0; k < c; k++) row.addArray().add(labels.get(k)).add(probs[r * c + k]);
                }
                return TfServingJson.bytes(resp);
              });
    }
    SignatureSpec sig = exampleSignature(v, sigName, CLASSIFY_METHOD);
    return runner
        .submit(v, sig.name(), Map.of(sig.inputs().keySet().iterator().next(), serialized(examples, root.get("context"))), false)
        .thenApply(
            out -> {
              HostTensor classes = out.get("classes");
              HostTensor scores = out.get("scores");
              if (classes == null && scores == null) {
                throw new ApiException(500, "classify signature " + sig.name() + " has neither 'classes' nor 'scores' output");
              }
              HostTensor shaped = scores != null ? scores : classes;
              int n = (int) shaped.shape()[0];
              int k = shaped.rank() > 1 ? (int) shaped.shape()[1] : 1;
              ObjectNode resp = TfServingJson.MAPPER.createObjectNode();
              ArrayNode results = resp.putArray("results");
              for (int r = 0; r < n; r++) {
                ArrayNode row = results.addArray();
                for (int j = 0; j < k; j++) {
                  ArrayNode pair = row.addArray();
                  pair.add(classes != null ? new String(((byte[][]) classes.data())[r * k + j], StandardCharsets.UTF_8) : Integer.toString(j));
                  if (scores != null) pair.add(((float[]) scores.data())[r * k + j]);
                }
              }
              return TfServingJson.bytes(resp);
            });
  }

  static CompletableFuture<byte[]> regress(ServableVersion v, JsonNode root, ModelRunner runner) {
    List<JsonNode> examples = examples(root);
    SignatureSpec sig = exampleSignature(v, TfServingJson.signatureName(root), REGRESS_METHOD);
    return runner
        .submit(v, sig.name(), Map.of(sig.inputs().keySet().iterator().next(), serialized(examples, root.get("context"))), false)
        .thenApply(
            out -> {
              HostTensor o = out.get("outputs");
              if (o == null || o.dtype() != DType.FLOAT) {
                throw new ApiException(500, "regress signature " + sig.name() + " has no float 'outputs' output");
              }
              ObjectNode resp = TfServingJson.MAPPER.createObjectNode();
              ArrayNode results = resp.putArray("results");
              for (float f : o.floats()) results.add(f);
              return TfServingJson.bytes(resp);
            });
  }

  /** Tokenizes texts with the version's tokenizer and submits them as one paddable request. */
  private static CompletableFuture<Map<String, HostTensor>> submitTexts(
      ServableVersion v, String signature, List<String> texts, ModelRunner runner) {
    ClassifierAssets assets = v.classifier().orElseThrow();
    List<int[]> ids = new ArrayList<>(texts.size());
    for (String t : texts) ids.add(assets.encode(t));
    return runner.submit(v, signature, ClassifierAssets.inputs(assets.batch(ids)), true);
  }

  private static List<JsonNode> examples(JsonNode root) {
    JsonNode ex = root.get("examples");
    if (ex == null || !ex.isArray()) throw new ApiException(400, "Expecting 'examples' to be a list/array of objects");
    if (ex.isEmpty()) throw new ApiException(400, "'examples' is empty");
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode e : ex) {
      if (!e.isObject()) throw new ApiException(400, "Expecting each of 'examples' to be an object of features");
      out.add(e);
    }
    return out;
  }

  /** The example's text: its {@code text} feature, or its only string feature. */
  private static String text(JsonNode example, int index) {
    JsonNode t = example.get("text");
    if (t == null && example.size() == 1 && example.elements().next().isTextual()) t = example.elements().next();
    if (t == null || !t.isTextual()) {
      throw new ApiException(400, "examples[" + index + "] needs a string feature 'text'");
    }
    if (t.asText().isBlank()) throw new ApiException(400, "examples[" + index + "].text is empty");
    return t.asText();
  }

  private static HostTensor probabilities(Map<String, HostTensor> out) {
    HostTensor p = out.get(ClassifierAssets.PROBABILITIES);
    if (p != null) return p;
    HostTensor logits = out.get("logits");
    if (logits == null) throw new ApiException(500, "classifier signature has neither 'probabilities' nor 'logits' output");
    float[] l = logits.floats().clone();
    int c = (int) logits.shape()[1];
    for (int r = 0; r < l.length / c; r++) {
      float max = Float.NEGATIVE_INFINITY;
      for (int k = 0; k < c; k++) max = Math.max(max, l[r * c + k]);
      double sum = 0;
      for (int k = 0; k < c; k++) sum += Math.exp(l[r * c + k] - max);
      for (int k = 0; k < c; k++) l[r * c + k] = (float) (Math.exp(l[r * c + k] - max) / sum);
    }
    return HostTensor.ofFloats(logits.shape(), l);
  }

  private static SignatureSpec exampleSignature(ServableVersion v, String name, String method) {
    SignatureSpec sig = v.signature(name);
    if (!method.equals(sig.methodName())
        || sig.inputs().size() != 1
        || !DType.STRING.tfName().equals(sig.inputs().values().iterator().next().dtype())) {
      throw new ApiException(
          400, "Expected " + method + " signature with one DT_STRING input of serialized tf.Examples, but signature '"
              + name + "' has method " + sig.methodName());
    }
    return sig;
  }

  /** Examples (with context features merged in) as a DT_STRING [N] tensor of serialized tf.Example. */
  private static HostTensor serialized(List<JsonNode> examples, JsonNode context) {
    byte[][] data = new byte[examples.size()][];
    for (int i = 0; i < examples.size(); i++) {
      Features.Builder f = Features.newBuilder();
      if (context != null && context.isObject()) addFeatures(f, context);
      addFeatures(f, examples.get(i));
      data[i] = Example.newBuilder().setFeatures(f).build().toByteArray();
    }
    return new HostTensor(DType.STRING, new long[] {examples.size()}, data);
  }

  private static void addFeatures(Features.Builder f, JsonNode obj) {
    for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
      var e = it.next();
      f.putFeature(e.getKey(), feature(e.getKey(), e.getValue()));
    }
  }

  private static Feature feature(String name, JsonNode v) {
    List<JsonNode> values = new ArrayList<>();
    if (v.isArray()) v.forEach(values::add);
    else values.add(v);
    if (values.isEmpty()) return Feature.getDefaultInstance();
    // a list is int64 only when every value is an integer, float when some are not (e.g. [-1, 0.25])
    boolean allNumbers = values.stream().allMatch(JsonNode::isNumber);
    boolean allIntegral = values.stream().allMatch(JsonNode::isIntegralNumber);
    if (allIntegral) {
      Int64List.Builder b = Int64List.newBuilder();
      for (JsonNode x : values) b.addValue(x.asLong());
      return Feature.newBuilder().setInt64List(b).build();
    }
    if (allNumbers) {
      FloatList.Builder b = FloatList.newBuilder();
      for (JsonNode x : values) b.addValue((float) x.asDouble());
      return Feature.newBuilder().setFloatList(b).build();
    }
    BytesList.Builder b = BytesList.newBuilder();
    for (JsonNode x : values) {
      if (x.isTextual()) b.addValue(ByteString.copyFromUtf8(x.asText()));
      else if (x.isObject() && x.has("b64")) b.addValue(ByteString.copyFrom(Base64.getDecoder().decode(x.get("b64").asText())));
      else throw new ApiException(400, "feature '" + name + "' must hold numbers, strings or {\"b64\": ...} values");
    }
    return Feature.newBuilder().setBytesList(b).build();
  }
}
