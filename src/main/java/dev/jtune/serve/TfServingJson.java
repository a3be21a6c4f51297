package dev.jtune.serve;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON side of TF Serving's predict API: decodes {@code instances} (row format) and {@code
 * inputs} (columnar format) into tensors for a signature and encodes outputs as {@code predictions}
 * or {@code outputs}, shaped exactly as TF Serving shapes them (one output: its name is dropped;
 * several: objects per row, or one object of tensors). NaN and Infinity are accepted and written
 * bare; binary strings travel as {@code {"b64": "..."}}.
 */
public final class TfServingJson {
  /** Jackson configured the way TF Serving reads and writes JSON. */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
          .build();

  private TfServingJson() {}

  /** A decoded predict request. */
  public record PredictRequest(String signatureName, boolean rowFormat, Map<String, HostTensor> inputs) {}

  public static JsonNode parse(byte[] body) {
    try {
      JsonNode root = MAPPER.readTree(body);
      if (root == null || !root.isObject()) throw new ApiException(400, "JSON Value: request body must be a JSON object");
      return root;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ApiException(400, "JSON Parse error: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The signature name a request asks for, {@code serving_default} when absent. */
  public static String signatureName(JsonNode root) {
    JsonNode s = root.get("signature_name");
    if (s == null || s.isNull()) return "serving_default";
    if (!s.isTextual()) throw new ApiException(400, "'signature_name' must be a string");
    return s.asText();
  }

  /** Decodes a predict body against the signature the caller resolved from it. */
  public static PredictRequest decodePredict(JsonNode root, SignatureSpec sig) {
    boolean hasInstances = root.has("instances");
    boolean hasInputs = root.has("inputs");
    if (hasInstances && hasInputs) {
      throw new ApiException(400, "Not formatted correctly expecting only one of 'inputs' or 'instances' keys exists");
    }
    if (!hasInstances && !hasInputs) throw new ApiException(400, "Missing 'inputs' or 'instances' key");
    Map<String, HostTensor> inputs =
        hasInstances ? decodeInstances(root.get("instances"), sig) : decodeColumnar(root.get("inputs"), sig);
    return new PredictRequest(sig.name(), hasInstances, inputs);
  }

  private static Map<String, HostTensor> decodeInstances(JsonNode instances, SignatureSpec sig) {
    if (!instances.isArray()) throw new ApiException(400, "Expecting 'instances' to be an list/array");
    if (instances.isEmpty()) throw new ApiException(400, "No values in 'instances' list");
    boolean named = instances.get(0).isObject() && !isB64(instances.get(0));
    if (!named && sig.inputs().size() != 1) {
      throw new ApiException(
          400, "instances must be objects naming the inputs " + sig.inputs().keySet() + " of signature " + sig.name());
    }
    Map<String, List<HostTensor>> rows = new LinkedHashMap<>();
    for (JsonNode inst : instances) {
      if (named != (inst.isObject() && !isB64(inst))) {
        throw new ApiException(400, "Expecting all instances to be of the same type (all objects or all values)");
      }
      if (named) {
        checkNames(inst, sig);
        for (TensorSpec in : sig.inputs().values()) {
          rows.computeIfAbsent(in.key(), k -> new ArrayList<>()).add(decodeValue(inst.get(in.key()), in));
        }
      } else {
        TensorSpec in = sig.inputs().values().iterator().next();
        rows.computeIfAbsent(in.key(), k -> new ArrayList<>()).add(decodeValue(inst, in));
      }
    }
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (var e : rows.entrySet()) out.put(e.getKey(), stack(e.getKey(), e.getValue()));
    return out;
  }

  private static Map<String, HostTensor> decodeColumnar(JsonNode inputs, SignatureSpec sig) {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    if (inputs.isObject() && !isB64(inputs)) {
      checkNames(inputs, sig);
      for (TensorSpec in : sig.inputs().values()) out.put(in.key(), decodeValue(inputs.get(in.key()), in));
    } else {
      if (sig.inputs().size() != 1) {
        throw new ApiException(
            400, "'inputs' must be an object naming the inputs " + sig.inputs().keySet() + " of signature " + sig.name());
      }
      TensorSpec in = sig.inputs().values().iterator().next();
      out.put(in.key(), decodeValue(inputs, in));
    }
    return out;
  }

  private static void checkNames(JsonNode obj, SignatureSpec sig) {
    for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
      String n = it.next();
      if (!sig.inputs().containsKey(n)) {
        throw new ApiException(400, "input '" + n + "' is not in signature " + sig.name() + " (inputs: " + sig.inputs().keySet() + ")");
      }
    }
    for (String n : sig.inputs().keySet()) {
      if (!obj.has(n)) throw new ApiException(400, "input '" + n + "' is missing (signature " + sig.name() + ")");
    }
  }

  /** Stacks per-instance values into one tensor with a new leading dimension. */
  private static HostTensor stack(String name, List<HostTensor> rows) {
    HostTensor first = rows.get(0);
    List<HostTensor> lifted = new ArrayList<>(rows.size());
    for (HostTensor r : rows) {
      if (!java.util.Arrays.equals(r.shape(), first.shape())) {
        throw new ApiException(
            400,
            "The first dimension of all inputs must be the same and all instances must have the same shape: input '"
                + name + "' has shapes " + java.util.Arrays.toString(first.shape()) + " and " + java.util.Arrays.toString(r.shape()));
      }
      long[] s = new long[r.rank() + 1];
      s[0] = 1;
      System.arraycopy(r.shape(), 0, s, 1, r.rank());
      lifted.add(new HostTensor(r.dtype(), s, r.data()));
    }
    return HostTensor.concat(lifted, false);
  }

  /** Decodes one JSON value (scalar or nested lists) as a tensor of the input's dtype. */
  static HostTensor decodeValue(JsonNode v, TensorSpec spec) {
    DType dtype =
        spec.carriedType()
            .orElseThrow(() -> new ApiException(400, "input '" + spec.key() + "' has dtype " + spec.dtype() + ", which this server cannot carry"));
    List<Long> dims = new ArrayList<>();
    for (JsonNode n = v; n.isArray(); n = n.get(0)) {
      dims.add((long) n.size());
      if (n.isEmpty()) break;
    }
    long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
    int count = (int) HostTensor.elementCount(shape);
    Object data =
        switch (dtype.kind()) {
          case FLOAT -> new float[count];
          case DOUBLE -> new double[count];
          case INT -> new int[count];
          case LONG -> new long[count];
          case BOOL -> new boolean[count];
          case BYTES -> new byte[count][];
        };
    int[] pos = {0};
    fill(v, 0, shape, dtype, data, pos, spec.key());
    return new HostTensor(dtype, shape, data);
  }

  private static void fill(JsonNode v, int depth, long[] shape, DType dtype, Object data, int[] pos, String name) {
    if (depth < shape.length) {
      if (!v.isArray() || v.size() != shape[depth]) {
        throw new ApiException(400, "input '" + name + "' is not a rectangular tensor (ragged lists at depth " + depth + ")");
      }
      for (JsonNode c : v) fill(c, depth + 1, shape, dtype, data, pos, name);
      return;
    }
    if (v.isArray()) throw new ApiException(400, "input '" + name + "' is not a rectangular tensor (ragged lists at depth " + depth + ")");
    int i = pos[0]++;
    switch (dtype.kind()) {
      case FLOAT -> ((float[]) data)[i] = (float) number(v, dtype, name);
      case DOUBLE -> ((double[]) data)[i] = number(v, dtype, name);
      case INT -> ((int[]) data)[i] = (int) integer(v, dtype, name);
      case LONG -> ((long[]) data)[i] = integer(v, dtype, name);
      case BOOL -> {
        if (!v.isBoolean()) throw typeError(v, dtype, name);
        ((boolean[]) data)[i] = v.booleanValue();
      }
      case BYTES -> ((byte[][]) data)[i] = bytes(v, dtype, name);
    }
  }

  private static double number(JsonNode v, DType dtype, String name) {
    if (!v.isNumber()) throw typeError(v, dtype, name);
    return v.doubleValue();
  }

  private static long integer(JsonNode v, DType dtype, String name) {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) throw typeError(v, dtype, name);
    long x = v.longValue();
    if (x < dtype.minValue() || x > dtype.maxValue()) {
      throw new ApiException(400, "input '" + name + "': value " + x + " is out of range for " + dtype.tfName());
    }
    return x;
  }

  private static byte[] bytes(JsonNode v, DType dtype, String name) {
    if (v.isTextual()) return v.asText().getBytes(StandardCharsets.UTF_8);
    if (isB64(v)) {
      try {
        return Base64.getDecoder().decode(v.get("b64").asText());
      } catch (IllegalArgumentException e) {
        throw new ApiException(400, "input '" + name + "': invalid base64 in 'b64' value");
      }
    }
    throw typeError(v, dtype, name);
  }

  private static boolean isB64(JsonNode v) {
    return v.isObject() && v.size() == 1 && v.has("b64");
  }

  private static ApiException typeError(JsonNode v, DType dtype, String name) {
    String got = v.isTextual() ? "string" : v.isBoolean() ? "bool" : v.isNumber() ? "number " + v : v.getNodeType().toString().toLowerCase();
    return new ApiException(400, "input '" + name + "' expects " + dtype.tfName() + " values but got " + got);
  }

  // ---------------------------------------------------------------------------------- encoding

  /** {@code {"predictions": ...}} for row requests or {@code {"outputs": ...}} for columnar ones. */
  public static byte[] encodePredict(Map<String, HostTensor> outputs, boolean rowFormat) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
    try (JsonGenerator g = MAPPER.createGenerator(buf)) {
      g.writeStartObject();
      if (rowFormat) {
        g.writeFieldName("predictions");
        writeRows(g, outputs);
      } else {
        g.writeFieldName("outputs");
        if (outputs.size() == 1) {
          var e = outputs.entrySet().iterator().next();
          writeTensor(g, e.getKey(), e.getValue());
        } else {
          g.writeStartObject();
          for (var e : outputs.entrySet()) {
            g.writeFieldName(e.getKey());
            writeTensor(g, e.getKey(), e.getValue());
          }
          g.writeEndObject();
        }
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }

  private static void writeRows(JsonGenerator g, Map<String, HostTensor> outputs) throws IOException {
    long n = -1;
    for (var e : outputs.entrySet()) {
      long b = e.getValue().batchSize();
      if (b < 0 || (n >= 0 && b != n)) {
        throw new ApiException(
            400,
            "Tensor name: " + e.getKey() + " has inconsistent batch size: " + b + " expecting: " + n
                + " (use the columnar 'inputs' format for outputs without a shared batch dimension)");
      }
      n = b;
    }
    g.writeStartArray();
    for (int r = 0; r < n; r++) {
      if (outputs.size() == 1) {
        var e = outputs.entrySet().iterator().next();
        writeRow(g, e.getKey(), e.getValue(), r);
      } else {
        g.writeStartObject();
        for (var e : outputs.entrySet()) {
          g.writeFieldName(e.getKey());
          writeRow(g, e.getKey(), e.getValue(), r);
        }
        g.writeEndObject();
      }
    }
    g.writeEndArray();
  }

  private static void writeRow(JsonGenerator g, String name, HostTensor t, int row) throws IOException {
    long[] s = t.shape();
    int rowSize = t.elementCount() / (int) s[0];
    writeNested(g, name, t, java.util.Arrays.copyOfRange(s, 1, s.length), 0, new int[] {row * rowSize});
  }

  private static void writeTensor(JsonGenerator g, String name, HostTensor t) throws IOException {
    writeNested(g, name, t, t.shape(), 0, new int[] {0});
  }

  private static void writeNested(JsonGenerator g, String name, HostTensor t, long[] shape, int depth, int[] pos)
      throws IOException {
    if (depth == shape.length) {
      writeScalar(g, name, t, pos[0]++);
      return;
    }
    g.writeStartArray();
    for (long i = 0; i < shape[depth]; i++) writeNested(g, name, t, shape, depth + 1, pos);
    g.writeEndArray();
  }

  private static void writeScalar(JsonGenerator g, String name, HostTensor t, int i) throws IOException {
    switch (t.dtype().kind()) {
      case FLOAT -> g.writeNumber(((float[]) t.data())[i]);
      case DOUBLE -> g.writeNumber(((double[]) t.data())[i]);
      case INT -> g.writeNumber(((int[]) t.data())[i]);
      case LONG -> g.writeNumber(((long[]) t.data())[i]);
      case BOOL -> g.writeBoolean(((boolean[]) t.data())[i]);
      case BYTES -> {
        byte[] b = ((byte[][]) t.data())[i];
        String text = name.endsWith("_bytes") ? null : utf8(b);
        if (text != null) {
          g.writeString(text);
        } else {
          g.writeStartObject();
          g.writeStringField("b64", Base64.getEncoder().encodeToString(b));
          g.writeEndObject();
        }
      }
    }
  }

  private static String utf8(byte[] b) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** {@code {"error": message}}. */
  public static byte[] error(String message) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("error", message);
    return bytes(n);
  }

  public static byte[] bytes(JsonNode n) {
    try {
      return MAPPER.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
