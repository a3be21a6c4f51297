package dev.jtune.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
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
import java.util.Base64;
import java.util.Map;

/**
 * The JSON side of TF Serving's predict API: decodes {@code instances} (row format) and {@code
 * inputs} (columnar format) into tensors for a signature (with {@link JsonTensorReader}, streaming)
 * and encodes outputs as {@code predictions} or {@code outputs}, shaped exactly as TF Serving
 * shapes them (one output: its name is dropped; several: objects per row, or one object of
 * tensors). NaN and Infinity are accepted and written bare; binary strings travel as {@code
 * {"b64": "..."}}.
 */
public final class TfServingJson {
  /**
   * Jackson configured the way TF Serving reads and writes JSON: NaN and Infinity accepted and
   * written bare. Nesting stays limited (1000 levels) so a deeply nested body fails fast; strings
   * are not, since the body limit already bounds them.
   */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
                  .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                  .build())
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
          .build();

  private TfServingJson() {}

  /** A decoded predict request. */
  public record PredictRequest(String signatureName, boolean rowFormat, Map<String, HostTensor> inputs) {}

  /**
   * Decodes the {@code instances} (row format) or {@code inputs} (columnar format) of a predict
   * body for the signature the caller resolved from it, straight into primitive arrays.
   *
   * @param maxElements most tensor elements the request may hold (--max-request-elements); over
   *     it, reading stops with 413
   */
  public static PredictRequest decodePredict(RequestBody body, SignatureSpec sig, long maxElements) {
    boolean hasInstances = body.has("instances");
    boolean hasInputs = body.has("inputs");
    if (hasInstances && hasInputs) {
      throw new ApiException(400, "Not formatted correctly expecting only one of 'inputs' or 'instances' keys exists");
    }
    if (!hasInstances && !hasInputs) throw new ApiException(400, "Missing 'inputs' or 'instances' key");
    ElementBudget budget = new ElementBudget(maxElements);
    try (JsonParser p = body.open(hasInstances ? "instances" : "inputs")) {
      Map<String, HostTensor> inputs =
          hasInstances ? JsonTensorReader.instances(p, sig, budget) : JsonTensorReader.inputs(p, sig, budget);
      return new PredictRequest(sig.name(), hasInstances, inputs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
