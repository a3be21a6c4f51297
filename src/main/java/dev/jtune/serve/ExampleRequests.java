package dev.jtune.serve;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.jtune.artifact.ClassifierTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Features;

/**
 * TF Serving's {@code :classify} and {@code :regress} APIs ({@code {"examples": [{feature: value}],
 * "context"?: {...}}}). The examples become {@code tf.Example} protos by json_tensor.cc's rules (a
 * number with a fraction or exponent is a float feature, a whole number an int64 one, a bool an
 * int64 0/1, a string or {@code {"b64": ...}} a bytes one; one feature holds one kind), each
 * serialized after the context, as TF Serving concatenates them (so an example's feature replaces
 * the context's of the same name), and are fed to the signature's {@code inputs} tensor. As in TF
 * Serving with its default flags, a signature qualifies by its input and output keys, not its
 * method name, so tf.saved_model.save exports (every method "predict") classify and regress too.
 * For a jtune text classifier the {@code text} feature is tokenized server-side instead and the
 * answer lists every label with its probability.
 */
final class ExampleRequests {
  static final String INPUTS = "inputs";
  static final String CLASSES = "classes";
  static final String SCORES = "scores";
  static final String OUTPUTS = "outputs";

  private ExampleRequests() {}

  /** The examples of a request, each a tf.Example, and the context, empty when there is none. */
  private record Examples(List<Example> examples, Example context) {
    /** The examples as a DT_STRING [N] tensor, each serialized after the context. */
    HostTensor serialized() {
      byte[] ctx = context.toByteArray();
      byte[][] data = new byte[examples.size()][];
      for (int i = 0; i < data.length; i++) {
        byte[] e = examples.get(i).toByteArray();
        data[i] = new byte[ctx.length + e.length];
        System.arraycopy(ctx, 0, data[i], 0, ctx.length);
        System.arraycopy(e, 0, data[i], ctx.length, e.length);
      }
      return new HostTensor(DType.STRING, new long[] {data.length}, data);
    }
  }

  static CompletableFuture<byte[]> classify(ServableVersion v, RequestBody body, ModelRunner runner, long maxElements) {
    Examples examples = read(body, "classify", new ElementBudget(maxElements));
    SignatureSpec requested = v.signature(body.signatureName());
    if (v.classifier().isPresent() && ClassifierAssets.isTokenSignature(requested)) {
      // what the model is fed are token ids, not the texts: those are what the limit counts
      return classifyTexts(v, requested, examples, runner, new ElementBudget(maxElements));
    }
    SignatureSpec sig = classificationSignature(requested);
    int n = examples.examples().size();
    return runner
        .submit(v, sig.name(), Map.of(INPUTS, examples.serialized()), false)
        .thenApply(out -> classificationJson(out.get(CLASSES), out.get(SCORES), n));
  }

  static CompletableFuture<byte[]> regress(ServableVersion v, RequestBody body, ModelRunner runner, long maxElements) {
    Examples examples = read(body, "regress", new ElementBudget(maxElements));
    SignatureSpec sig = regressionSignature(v.signature(body.signatureName()));
    int n = examples.examples().size();
    return runner
        .submit(v, sig.name(), Map.of(INPUTS, examples.serialized()), false)
        .thenApply(out -> regressionJson(out.get(OUTPUTS), n));
  }

  // ------------------------------------------------------------------------- signatures

  /** classifier.cc PreProcessClassification: one input "inputs", one or two outputs among "classes" and "scores". */
  private static SignatureSpec classificationSignature(SignatureSpec sig) {
    if (sig.inputs().size() != 1) throw new ApiException(400, "Expected one input Tensor.");
    if (sig.outputs().size() != 1 && sig.outputs().size() != 2) {
      throw new ApiException(400, "Expected one or two output Tensors, found " + sig.outputs().size());
    }
    if (!sig.inputs().containsKey(INPUTS)) {
      throw new ApiException(400, "No classification inputs found in SignatureDef " + sig.name() + ": its input is " + sig.inputs().keySet() + ", not [inputs]");
    }
    if (!sig.outputs().containsKey(CLASSES) && !sig.outputs().containsKey(SCORES)) {
      throw new ApiException(
          400, "Expected classification signature outputs to contain at least one of \"classes\" or \"scores\". Signature " + sig.name() + " has " + sig.outputs().keySet());
    }
    return sig;
  }

  /** regressor.cc PreProcessRegression: one input "inputs", one output "outputs". */
  private static SignatureSpec regressionSignature(SignatureSpec sig) {
    if (sig.inputs().size() != 1) throw new ApiException(400, "Expected one input Tensor.");
    if (sig.outputs().size() != 1) throw new ApiException(400, "Expected one output Tensor.");
    if (!sig.inputs().containsKey(INPUTS)) {
      throw new ApiException(400, "No regression inputs found in SignatureDef " + sig.name() + ": its input is " + sig.inputs().keySet() + ", not [inputs]");
    }
    if (!sig.outputs().containsKey(OUTPUTS)) {
      throw new ApiException(400, "No regression outputs found in SignatureDef " + sig.name() + ": its output is " + sig.outputs().keySet() + ", not [outputs]");
    }
    return sig;
  }

  // ------------------------------------------------------------------------- results

  /** classifier.cc PostProcessClassificationResult, written as {"results": [[[label, score], ...], ...]}. */
  private static byte[] classificationJson(HostTensor classes, HostTensor scores, int n) {
    if (classes != null) checkMatrix(classes, DType.STRING, "classes", n);
    if (scores != null) checkMatrix(scores, DType.FLOAT, "scores", n);
    int k;
    if (classes != null && scores != null) {
      if (classes.shape()[1] != scores.shape()[1]) {
        throw new ApiException(400, "Tensors class and score should match in dim_size(1). Got " + classes.shape()[1] + " vs. " + scores.shape()[1]);
      }
      k = (int) classes.shape()[1];
    } else {
      k = (int) (classes != null ? classes : scores).shape()[1];
    }
    ObjectNode resp = TfServingJson.MAPPER.createObjectNode();
    ArrayNode results = resp.putArray("results");
    for (int r = 0; r < n; r++) {
      ArrayNode row = results.addArray();
      for (int j = 0; j < k; j++) {
        // TF Serving's Class proto: an absent label is "", an absent score 0
        String label = classes == null ? "" : new String(((byte[][]) classes.data())[r * k + j], StandardCharsets.UTF_8);
        row.addArray().add(label).add(scores == null ? 0f : scores.floats()[r * k + j]);
      }
    }
    return TfServingJson.bytes(resp);
  }

  private static void checkMatrix(HostTensor t, DType dtype, String name, int n) {
    if (t.rank() != 2) throw new ApiException(400, "Expected Tensor shape: [batch_size num_classes] but got " + java.util.Arrays.toString(t.shape()) + " for " + name);
    if (t.dtype() != dtype) throw new ApiException(400, "Expected " + name + " Tensor of " + dtype.tfName() + ". Got: " + t.dtype().tfName());
    if (t.shape()[0] != n) throw new ApiException(400, "Expected " + name + " output batch size of " + n + ". Got: " + t.shape()[0]);
  }

  /** regressor.cc PostProcessRegressionResult, written as {"results": [v, ...]}. */
  private static byte[] regressionJson(HostTensor o, int n) {
    long[] s = o.shape();
    if (!(s.length == 1 || (s.length == 2 && s[1] == 1))) {
      throw new ApiException(400, "Expected output Tensor shape to be either [batch_size] or [batch_size, 1] but got " + java.util.Arrays.toString(s));
    }
    if (s[0] != n) throw new ApiException(400, "Input batch size did not match output batch size: " + n + " vs. " + s[0]);
    if (o.dtype() != DType.FLOAT) throw new ApiException(400, "Expected output Tensor of DT_FLOAT.  Got: " + o.dtype().tfName());
    ObjectNode resp = TfServingJson.MAPPER.createObjectNode();
    ArrayNode results = resp.putArray("results");
    for (float f : o.floats()) results.add(f);
    return TfServingJson.bytes(resp);
  }

  // ------------------------------------------------------------------------- jtune text classifiers

  /** Tokenizes the examples' texts with the version's tokenizer and answers every label's probability. */
  private static CompletableFuture<byte[]> classifyTexts(
      ServableVersion v, SignatureSpec sig, Examples examples, ModelRunner runner, ElementBudget budget) {
    ClassifierAssets assets = v.classifier().orElseThrow();
    List<String> labels = assets.labels();
    List<int[]> ids = new ArrayList<>(examples.examples().size());
    int longest = 0;
    long taken = 0;
    for (int i = 0; i < examples.examples().size(); i++) {
      int[] t = assets.encode(text(examples, i));
      ids.add(t);
      longest = Math.max(longest, t.length);
      // the three token inputs of every text so far, padded to the longest
      long padded = 3L * ids.size() * longest;
      budget.take(padded - taken);
      taken = padded;
    }
    return runner
        .submit(v, sig.name(), ClassifierAssets.inputs(assets.batch(ids)), true)
        .thenApply(
            out -> {
              HostTensor p = probabilities(out);
              int c = (int) p.shape()[1];
              if (c != labels.size()) {
                throw new ApiException(500, "model has " + c + " classes but assets.extra/classifier.json lists " + labels.size());
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

  /** The example's text: its {@code text} feature, or its only feature when that is one string. */
  private static String text(Examples examples, int index) {
    Map<String, Feature> features =
        examples.context().toBuilder().mergeFrom(examples.examples().get(index)).build().getFeatures().getFeatureMap();
    Feature f = features.get("text");
    if (f == null && features.size() == 1) f = features.values().iterator().next();
    if (f == null || f.getKindCase() != Feature.KindCase.BYTES_LIST || f.getBytesList().getValueCount() != 1) {
      throw new ApiException(400, "examples[" + index + "] needs a string feature 'text'");
    }
    String text = f.getBytesList().getValue(0).toStringUtf8();
    if (text.isBlank()) throw new ApiException(400, "examples[" + index + "].text is empty");
    return text;
  }

  private static HostTensor probabilities(Map<String, HostTensor> out) {
    HostTensor p = out.get(ClassifierTensors.PROBABILITIES);
    if (p != null) return p;
    HostTensor logits = out.get(ClassifierTensors.LOGITS);
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

  // ------------------------------------------------------------------------- JSON -> tf.Example

  /** json_tensor.cc FillClassifyRegressRequestFromJson, streaming: the context, then the examples. */
  private static Examples read(RequestBody body, String method, ElementBudget budget) {
    try {
      Example context = Example.getDefaultInstance();
      if (body.has("context")) {
        try (JsonParser p = body.open("context")) {
          context = example(p, budget);
        }
      }
      if (!body.has("examples")) throw new ApiException(400, "When method is " + method + ", key 'examples' is expected and was not found");
      List<Example> examples = new ArrayList<>();
      try (JsonParser p = body.open("examples")) {
        if (p.currentToken() != JsonToken.START_ARRAY) throw new ApiException(400, "Expecting 'examples' value to be an list/array");
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) examples.add(example(p, budget));
      }
      if (examples.isEmpty()) throw new ApiException(400, "'examples' value is an empty array");
      return new Examples(examples, context);
    } catch (JsonProcessingException e) {
      throw new ApiException(400, "JSON Parse error: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One JSON object of features (the parser on its START_OBJECT) as a tf.Example. */
  private static Example example(JsonParser p, ElementBudget budget) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw new ApiException(400, "Example must be JSON object but got JSON " + jsonType(p.currentToken()));
    }
    Features.Builder features = Features.newBuilder();
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      String name = p.currentName();
      Feature.Builder f = Feature.newBuilder();
      JsonToken v = p.nextToken();
      if (v == JsonToken.START_ARRAY) {
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) addValue(p, e, name, f, budget);
      } else {
        addValue(p, v, name, f, budget);
      }
      if (features.containsFeature(name)) throw new ApiException(400, "Feature: " + name + " appears twice in one example");
      features.putFeature(name, f.build());
    }
    return Example.newBuilder().setFeatures(features).build();
  }

  /** json_tensor.cc AddValueToFeature. */
  private static void addValue(JsonParser p, JsonToken t, String name, Feature.Builder f, ElementBudget budget) throws IOException {
    budget.take(1);
    switch (t) {
      case VALUE_TRUE, VALUE_FALSE -> {
        kind(f, Feature.KindCase.INT64_LIST, name);
        f.getInt64ListBuilder().addValue(t == JsonToken.VALUE_TRUE ? 1 : 0);
      }
      case VALUE_STRING -> {
        kind(f, Feature.KindCase.BYTES_LIST, name);
        f.getBytesListBuilder().addValue(ByteString.copyFromUtf8(p.getText()));
      }
      case VALUE_NUMBER_FLOAT -> {
        kind(f, Feature.KindCase.FLOAT_LIST, name);
        f.getFloatListBuilder().addValue(p.getFloatValue());
      }
      case VALUE_NUMBER_INT -> {
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          throw new ApiException(400, "Feature: " + name + " has uint64_t element. Only int64_t is supported.");
        }
        kind(f, Feature.KindCase.INT64_LIST, name);
        f.getInt64ListBuilder().addValue(p.getLongValue());
      }
      case START_OBJECT -> {
        byte[] b = b64(p);
        if (b == null) throw new ApiException(400, "Feature: " + name + " has element with unexpected JSON type: Object");
        kind(f, Feature.KindCase.BYTES_LIST, name);
        f.getBytesListBuilder().addValue(ByteString.copyFrom(b));
      }
      default -> throw new ApiException(400, "Feature: " + name + " has element with unexpected JSON type: " + jsonType(t));
    }
  }

  /** One feature holds one kind of value: the first value's kind, or an error naming it. */
  private static void kind(Feature.Builder f, Feature.KindCase kind, String name) {
    if (f.getKindCase() != Feature.KindCase.KIND_NOT_SET && f.getKindCase() != kind) {
      String expecting =
          switch (f.getKindCase()) {
            case BYTES_LIST -> "bytes";
            case FLOAT_LIST -> "float";
            case INT64_LIST -> "int64";
            default -> "UNKNOWN";
          };
      throw new ApiException(400, "Unexpected element type in feature: " + name + " expecting type: " + expecting);
    }
  }

  /** The bytes of a {"b64": "..."} object (the parser on its START_OBJECT, left on its END_OBJECT), or null for another object. */
  private static byte[] b64(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.FIELD_NAME || !"b64".equals(p.currentName())) return null;
    if (p.nextToken() != JsonToken.VALUE_STRING) return null;
    String text = p.getText();
    if (p.nextToken() != JsonToken.END_OBJECT) return null;
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "Unable to base64 decode: " + e.getMessage());
    }
  }

  private static String jsonType(JsonToken t) {
    return switch (t) {
      case VALUE_NULL -> "Null";
      case VALUE_TRUE -> "True";
      case VALUE_FALSE -> "False";
      case START_OBJECT -> "Object";
      case START_ARRAY -> "Array";
      case VALUE_STRING -> "String";
      default -> "Number";
    };
  }
}
