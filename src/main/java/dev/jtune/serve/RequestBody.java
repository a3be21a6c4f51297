package dev.jtune.serve;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.jtune.artifact.ClassifierTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;

/**
 * A TF Serving request body (predict, classify or regress), checked once as a whole and then read
 * key by key with a streaming parser, never as a tree: {@link #parse} validates the JSON syntax
 * and notes the top-level keys (skipping over values allocates nothing), so a request's tensors
 * can later be read straight into primitive arrays once the signature, whose name may come last,
 * is known.
 */
public final class RequestBody {
  /** The signature used when a request names none. */
  public static final String DEFAULT_SIGNATURE = ClassifierTensors.SIGNATURE_KEY;

  private final byte[] bytes;
  private final Set<String> keys;
  private final String signatureName;

  private RequestBody(byte[] bytes, Set<String> keys, String signatureName) {
    this.bytes = bytes;
    this.keys = keys;
    this.signatureName = signatureName;
  }

  /**
   * Checks that {@code body} is one JSON object with unique top-level keys and a string {@code
   * signature_name} if any; 400 with TF Serving's "JSON Parse error" wording otherwise. Counts the
   * values on the way (each number, string or bool under instances, inputs, examples or context is
   * one tensor element or feature value) and stops with 413 once there are more than {@code
   * maxElements}, before anything is decoded.
   */
  public static RequestBody parse(byte[] body, long maxElements) {
    if (body.length == 0) throw new ApiException(400, "JSON Parse error: The document is empty");
    Set<String> keys = new HashSet<>();
    ElementBudget budget = new ElementBudget(maxElements);
    String signature = null;
    try (JsonParser p = TfServingJson.MAPPER.createParser(body)) {
      JsonToken first = p.nextToken();
      if (first == null) throw new ApiException(400, "JSON Parse error: The document is empty");
      if (first != JsonToken.START_OBJECT) throw new ApiException(400, "JSON Value: request body must be a JSON object");
      for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
        String key = p.currentName();
        JsonToken value = p.nextToken();
        if (!keys.add(key)) {
          throw new ApiException(400, "JSON Parse error: duplicate key '" + key + "' in the request object");
        }
        if (key.equals("signature_name")) {
          if (value != JsonToken.VALUE_STRING) {
            throw new ApiException(400, "JSON Value: not formatted correctly. 'signature_name' key must be a string value.");
          }
          signature = p.getText();
        } else {
          skipCountingValues(p, budget);
        }
      }
      // like TF Serving (rapidjson's kParseStopWhenDoneFlag), whatever follows the object is not read
    } catch (JsonProcessingException e) {
      throw new ApiException(400, "JSON Parse error: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new RequestBody(body, keys, signature);
  }

  /** Skips the value at the current token like {@link JsonParser#skipChildren}, each scalar in it taken from the budget. */
  private static void skipCountingValues(JsonParser p, ElementBudget budget) throws IOException {
    JsonToken t = p.currentToken();
    if (t != JsonToken.START_ARRAY && t != JsonToken.START_OBJECT) {
      budget.take(1);
      return;
    }
    for (int depth = 1; depth > 0; ) {
      t = p.nextToken();
      if (t == null) return; // truncated: the parser has already thrown
      switch (t) {
        case START_ARRAY, START_OBJECT -> depth++;
        case END_ARRAY, END_OBJECT -> depth--;
        case FIELD_NAME -> {}
        default -> budget.take(1);
      }
    }
  }

  /** The signature the request names, {@code serving_default} when it names none. */
  public String signatureName() {
    return signatureName == null ? DEFAULT_SIGNATURE : signatureName;
  }

  public boolean has(String key) {
    return keys.contains(key);
  }

  /** A parser whose current token is the first token of {@code key}'s value; the caller closes it. */
  JsonParser open(String key) {
    if (!keys.contains(key)) throw new IllegalArgumentException("no key " + key);
    // from the top: a parser started inside the body would take a bare number for a root value
    // and stop at the '}' after it; skipping the keys before this one allocates nothing
    JsonParser p = null;
    try {
      p = TfServingJson.MAPPER.createParser(bytes);
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        boolean found = key.equals(p.currentName());
        p.nextToken();
        if (found) return p;
        p.skipChildren();
      }
      throw new IllegalStateException("key " + key + " vanished from the body");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      try {
        if (p != null) p.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }
}
