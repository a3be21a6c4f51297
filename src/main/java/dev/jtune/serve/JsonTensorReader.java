package dev.jtune.serve;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the input tensors of a predict request from a streaming parser straight into primitive
 * arrays, with the rules of TF Serving's json_tensor.cc: a value's shape is the shape of its nested
 * lists, which must be rectangular; every element must be of the signature input's dtype (a JSON
 * string or {@code {"b64": ...}} for DT_STRING); row-format instances must all have one shape and
 * are stacked along a new first dimension. The declared shape of the input is not consulted: the
 * graph decides what it accepts. Each element is counted against the request's {@link
 * ElementBudget}; no JSON tree and no boxed number is ever made.
 */
final class JsonTensorReader {
  private static final int MAX_DEBUG_CHARS = 256;

  private final JsonParser p;
  private final ElementBudget budget;
  private final Shape shape = new Shape();
  // the parser had to read past {"b64": "<text>" to see that an object was not a b64 value
  private String deferredB64Text;

  private JsonTensorReader(JsonParser p, ElementBudget budget) {
    this.p = p;
    this.budget = budget;
  }

  /** The {@code instances} of a request (row format), one tensor per signature input. */
  static Map<String, HostTensor> instances(JsonParser p, SignatureSpec sig, ElementBudget budget) {
    try {
      return new JsonTensorReader(p, budget).readInstances(sig);
    } catch (JsonProcessingException e) {
      throw new ApiException(400, "JSON Parse error: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The {@code inputs} of a request (columnar format), one tensor per signature input. */
  static Map<String, HostTensor> inputs(JsonParser p, SignatureSpec sig, ElementBudget budget) {
    try {
      return new JsonTensorReader(p, budget).readInputs(sig);
    } catch (JsonProcessingException e) {
      throw new ApiException(400, "JSON Parse error: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One signature input being read. */
  private static final class Column {
    final TensorSpec spec;
    final ElementBuffer values;
    long[] rowShape; // row format: the shape of the first instance
    int lastItem = -1; // row format: the last instance that named this input

    Column(TensorSpec spec) {
      this.spec = spec;
      DType dtype =
          spec.carriedType()
              .orElseThrow(
                  () -> new ApiException(501, "input '" + spec.key() + "' has dtype " + spec.dtype() + ", which jtune cannot carry (TF-Java has no type for it)"));
      this.values = new ElementBuffer(dtype);
    }
  }

  private static Map<String, Column> columns(SignatureSpec sig) {
    if (sig.inputs().isEmpty()) throw new ApiException(400, "Failed to get input map for signature: " + sig.name());
    Map<String, Column> cols = new LinkedHashMap<>();
    for (TensorSpec t : sig.inputs().values()) cols.put(t.key(), new Column(t));
    return cols;
  }

  // ------------------------------------------------------------------------------ row format

  private Map<String, HostTensor> readInstances(SignatureSpec sig) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) throw new ApiException(400, "Expecting 'instances' to be an list/array");
    Map<String, Column> cols = columns(sig);
    Column single = cols.size() == 1 ? cols.values().iterator().next() : null;
    Boolean named = null;
    int item = 0;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), item++) {
      byte[] b64 = t == JsonToken.START_OBJECT ? b64Object() : null;
      boolean isNamed = t == JsonToken.START_OBJECT && b64 == null;
      if (named == null) {
        named = isNamed;
        if (!named && single == null) {
          throw new ApiException(
              400, "instances is a plain list, but expecting list of objects as multiple input tensors required as per tensorinfo_map " + sig.inputs().keySet());
        }
      } else if (named != isNamed) {
        throw new ApiException(
            400, named ? "Expecting object but got list at item " + item + " of input list" : "Expecting value/list but got object at item " + item + " of input list");
      }
      try {
        if (isNamed) {
          readNamedInstance(cols, item);
        } else {
          if (b64 != null) scalarBytes(single, b64);
          else readValue(single);
          stack(single);
        }
      } catch (ApiException e) {
        if (e.status() != 400) throw e;
        throw new ApiException(400, "Failed to process element: " + item + " of 'instances' list. Error: " + e.getMessage());
      }
    }
    if (item == 0) throw new ApiException(400, "No values in 'instances' array");
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (Column c : cols.values()) {
      long[] s = new long[c.rowShape.length + 1];
      s[0] = item;
      System.arraycopy(c.rowShape, 0, s, 1, c.rowShape.length);
      out.put(c.spec.key(), c.values.toTensor(s));
    }
    return out;
  }

  /** One {input: value, ...} instance; the parser is inside the object (see {@link #b64Object}). */
  private void readNamedInstance(Map<String, Column> cols, int item) throws IOException {
    int seen = 0;
    JsonToken t = p.currentToken();
    if (deferredB64Text != null) {
      String text = deferredB64Text;
      deferredB64Text = null;
      Column c = namedColumn(cols, "b64", item);
      scalarText(c, text);
      stack(c);
      seen++;
    }
    for (; t != JsonToken.END_OBJECT; t = p.nextToken()) {
      String key = p.currentName();
      if (t == JsonToken.FIELD_NAME) p.nextToken();
      Column c = namedColumn(cols, key, item);
      readValue(c);
      stack(c);
      seen++;
    }
    if (seen != cols.size()) {
      throw new ApiException(400, "JSON object keys must be equal to: " + String.join(",", cols.keySet()) + " (some are missing)");
    }
  }

  private static Column namedColumn(Map<String, Column> cols, String key, int item) {
    Column c = cols.get(key);
    if (c == null) throw new ApiException(400, "JSON object: does not have named input: " + key);
    if (c.lastItem == item) throw new ApiException(400, "JSON object names input " + key + " twice");
    c.lastItem = item;
    return c;
  }

  /** Checks the shape of the instance just read against the first instance's (allocating nothing when they agree). */
  private void stack(Column c) {
    if (c.rowShape == null) {
      c.rowShape = shape.toArray();
    } else if (!shape.is(c.rowShape)) {
      throw new ApiException(400, "Expecting shape " + dims(c.rowShape) + " but got: " + dims(shape.toArray()) + " (input '" + c.spec.key() + "')");
    }
  }

  // ------------------------------------------------------------------------- columnar format

  private Map<String, HostTensor> readInputs(SignatureSpec sig) throws IOException {
    Map<String, Column> cols = columns(sig);
    JsonToken t = p.currentToken();
    byte[] b64 = t == JsonToken.START_OBJECT ? b64Object() : null;
    Map<String, HostTensor> out = new LinkedHashMap<>();
    if (t != JsonToken.START_OBJECT || b64 != null) {
      if (cols.size() > 1) {
        throw new ApiException(
            400, "inputs is a plain value/list, but expecting an object as multiple input tensors required as per tensorinfo_map " + sig.inputs().keySet());
      }
      Column c = cols.values().iterator().next();
      if (b64 != null) scalarBytes(c, b64);
      else readValue(c);
      out.put(c.spec.key(), c.values.toTensor(shape.toArray()));
      return out;
    }
    Map<String, HostTensor> read = new LinkedHashMap<>();
    if (deferredB64Text != null) {
      String text = deferredB64Text;
      deferredB64Text = null;
      Column c = inputColumn(cols, "b64", sig);
      scalarText(c, text);
      read.put("b64", c.values.toTensor(shape.toArray()));
    }
    for (t = p.currentToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      String key = p.currentName();
      if (t == JsonToken.FIELD_NAME) p.nextToken();
      Column c = inputColumn(cols, key, sig);
      if (read.containsKey(key)) throw new ApiException(400, "'inputs' names input " + key + " twice");
      readValue(c);
      read.put(key, c.values.toTensor(shape.toArray()));
    }
    for (String key : cols.keySet()) {
      HostTensor h = read.get(key);
      if (h == null) throw new ApiException(400, "Missing named input: " + key + " in 'inputs' object.");
      out.put(key, h);
    }
    return out;
  }

  // TF Serving ignores names the signature lacks in 'inputs'; they are refused here, as in 'instances'
  private static Column inputColumn(Map<String, Column> cols, String key, SignatureSpec sig) {
    Column c = cols.get(key);
    if (c == null) throw new ApiException(400, "'inputs' object: signature " + sig.name() + " does not have named input: " + key);
    return c;
  }

  // ------------------------------------------------------------------------- one JSON tensor

  /** Nesting of the value being read: the size of each level once its first list closed, and the rank. */
  private static final class Shape {
    long[] dims = new long[8];
    int rank;

    void reset() {
      Arrays.fill(dims, -1);
      rank = -1;
    }

    long dim(int level) {
      if (level >= dims.length) {
        int n = dims.length;
        dims = Arrays.copyOf(dims, Math.max(level + 1, n * 2));
        Arrays.fill(dims, n, dims.length, -1);
      }
      return dims[level];
    }

    long[] toArray() {
      return Arrays.copyOf(dims, rank);
    }

    boolean is(long[] other) {
      if (other.length != rank) return false;
      for (int i = 0; i < rank; i++) if (dims[i] != other[i]) return false;
      return true;
    }
  }

  /** Reads the value at the current token (scalar or nested lists) into the column; its shape is left in {@link #shape}. */
  private void readValue(Column c) throws IOException {
    shape.reset();
    walk(c, 0);
  }

  private void walk(Column c, int level) throws IOException {
    JsonToken t = p.currentToken();
    if (t != JsonToken.START_ARRAY) {
      if (shape.rank < 0) {
        shape.rank = level;
      } else if (level != shape.rank) {
        throw new ApiException(
            400, "JSON Value: " + debugString(t) + " found at incorrect level: " + level + " in the JSON DOM. Expected at level: " + shape.rank);
      }
      addLeaf(c, t);
      return;
    }
    if (shape.rank >= 0 && level >= shape.rank) {
      throw new ApiException(400, "Encountered list at unexpected level: " + level + " expected < " + shape.rank);
    }
    long expected = shape.dim(level);
    long n = 0;
    for (t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      // fail on the first surplus element rather than after reading the rest of a long list
      if (expected >= 0 && n >= expected) throw sizeError(n + 1, level, expected);
      walk(c, level + 1);
      n++;
    }
    if (n == 0 && shape.rank < 0) shape.rank = level + 1;
    if (expected < 0) {
      shape.dims[level] = n;
    } else if (n != expected) {
      throw sizeError(n, level, expected);
    }
  }

  private static ApiException sizeError(long n, int level, long expected) {
    return new ApiException(400, "Encountered list at unexpected size: " + n + " at level: " + level + " expected size: " + expected);
  }

  private void addLeaf(Column c, JsonToken t) throws IOException {
    budget.take(1);
    ElementBuffer into = c.values;
    DType dtype = into.dtype();
    switch (dtype.kind()) {
      case FLOAT -> {
        if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) throw typeError(t, dtype);
        into.addFloat(p.getFloatValue());
      }
      case DOUBLE -> {
        if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) throw typeError(t, dtype);
        into.addDouble(p.getDoubleValue());
      }
      case INT -> {
        if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) throw typeError(t, dtype);
        int v = p.getIntValue();
        if (v < dtype.minValue() || v > dtype.maxValue()) {
          throw new ApiException(400, "JSON Value: " + v + " is out of range for " + dtype.typeString());
        }
        into.addInt(v);
      }
      case LONG -> {
        if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) throw typeError(t, dtype);
        into.addLong(p.getLongValue());
      }
      case BOOL -> {
        if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) throw typeError(t, dtype);
        into.addBool(t == JsonToken.VALUE_TRUE);
      }
      case BYTES -> {
        if (t == JsonToken.VALUE_STRING) {
          into.addBytes(p.getText().getBytes(StandardCharsets.UTF_8));
        } else if (t == JsonToken.START_OBJECT) {
          byte[] b = b64Object();
          if (b == null) {
            deferredB64Text = null;
            throw new ApiException(400, "JSON Value: {...} not formatted correctly for base64 data");
          }
          into.addBytes(b);
        } else {
          throw typeError(t, dtype);
        }
      }
    }
  }

  /** A scalar instance (or input) given as {"b64": ...}. */
  private void scalarBytes(Column c, byte[] b) {
    budget.take(1);
    if (c.values.dtype() != DType.STRING) throw new ApiException(400, "JSON Value: {\"b64\": ...} Type: Object is not of expected type: " + c.values.dtype().typeString());
    c.values.addBytes(b);
    shape.reset();
    shape.rank = 0;
  }

  /** A scalar string read before it was known to be the value of an input named "b64". */
  private void scalarText(Column c, String text) {
    budget.take(1);
    if (c.values.dtype() != DType.STRING) throw new ApiException(400, "JSON Value: \"" + clip(text) + "\" Type: String is not of expected type: " + c.values.dtype().typeString());
    c.values.addBytes(text.getBytes(StandardCharsets.UTF_8));
    shape.reset();
    shape.rank = 0;
  }

  /**
   * At a START_OBJECT: when the object is exactly {@code {"b64": "<base64>"}} it is consumed and
   * its bytes returned. Otherwise null, with the parser on the object's first FIELD_NAME (or
   * END_OBJECT); when that first field was "b64" holding a string, the parser is past it (on the
   * next FIELD_NAME) and the string is in {@link #deferredB64Text}, or on its non-string value.
   */
  private byte[] b64Object() throws IOException {
    JsonToken t = p.nextToken();
    if (t != JsonToken.FIELD_NAME || !"b64".equals(p.currentName())) return null;
    t = p.nextToken();
    if (t != JsonToken.VALUE_STRING) return null;
    String text = p.getText();
    if (p.nextToken() != JsonToken.END_OBJECT) {
      deferredB64Text = text;
      return null;
    }
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "Unable to base64 decode: " + e.getMessage());
    }
  }

  private ApiException typeError(JsonToken t, DType dtype) throws IOException {
    return new ApiException(400, "JSON Value: " + debugString(t) + " Type: " + typeName(t) + " is not of expected type: " + dtype.typeString());
  }

  private String debugString(JsonToken t) throws IOException {
    return switch (t) {
      case START_ARRAY -> "[...]";
      case START_OBJECT -> "{...}";
      case VALUE_STRING -> "\"" + clip(p.getText()) + "\"";
      default -> clip(p.getText());
    };
  }

  private static String clip(String s) {
    return s.length() <= MAX_DEBUG_CHARS ? s : s.substring(0, MAX_DEBUG_CHARS) + "...";
  }

  private static String typeName(JsonToken t) {
    return switch (t) {
      case VALUE_NULL -> "Null";
      case VALUE_FALSE -> "False";
      case VALUE_TRUE -> "True";
      case START_OBJECT -> "Object";
      case START_ARRAY -> "Array";
      case VALUE_STRING -> "String";
      default -> "Number";
    };
  }

  private static String dims(long[] s) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < s.length; i++) b.append(i == 0 ? "" : ",").append(s[i]);
    return b.append(']').toString();
  }
}
