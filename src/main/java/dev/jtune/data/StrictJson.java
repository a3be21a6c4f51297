package dev.jtune.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Reads JSON that users write (JSON Lines records, training configs, tokenizer files) strictly: a
 * key given twice in one object is refused (Jackson would otherwise keep the last value silently),
 * and so is anything after the first value. Jackson's own cap on string length is lifted because the
 * text is already in memory and jtune applies its own documented limit where it matters
 * ({@link FieldLengthLimit}); errors become {@link BadInputException}s naming the file and line.
 */
public final class StrictJson {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxStringLength(Integer.MAX_VALUE)
                          .maxNameLength(Integer.MAX_VALUE)
                          .build())
                  .build())
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  private StrictJson() {}

  /** Text that broke a rule of this reader: what, where, and the fix when it does not depend on the file. */
  private static final class Refused extends IOException {
    final String problem;
    final int line;
    final String fix;

    Refused(String problem, int line, String fix) {
      super(problem);
      this.problem = problem;
      this.line = line;
      this.fix = fix;
    }
  }

  /**
   * Parses {@code text}, which starts at line {@code firstLine} of {@code file}; any problem is a
   * {@link BadInputException} at the line where it was found, ending with {@code fix} (a duplicate
   * key ends with its own fix: keep one).
   */
  public static JsonNode parse(Path file, long firstLine, String text, String fix) {
    try {
      return parseOrThrow(text);
    } catch (Refused e) {
      throw new BadInputException(file, firstLine + Math.max(e.line, 1) - 1, e.problem, e.fix != null ? e.fix : fix);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      int line = at == null ? 1 : Math.max(at.getLineNr(), 1);
      throw new BadInputException(file, firstLine + line - 1, "not valid JSON (" + e.getOriginalMessage() + ")", fix);
    } catch (IOException e) {
      throw new IllegalStateException("reading JSON from a string", e);
    }
  }

  /** Parses a value given on the command line; empty when it is not one strict JSON value. */
  public static Optional<JsonNode> parseValue(String text) {
    try {
      return Optional.of(parseOrThrow(text));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static JsonNode parseOrThrow(String text) throws IOException {
    try (JsonParser p = MAPPER.createParser(text)) {
      JsonNode node;
      try {
        node = MAPPER.readTree(p);
      } catch (StreamReadException e) {
        // Jackson reports a repeated key as "Duplicate field 'x'" (2.x), with the parser on that key
        String m = String.valueOf(e.getOriginalMessage());
        if (m.startsWith("Duplicate ") && e.getProcessor() != null && e.getProcessor().currentName() != null) {
          throw new Refused("key '" + pathOf(e.getProcessor().getParsingContext()) + "' appears twice in one object",
              lineOf(e.getLocation()), "keep only one of them");
        }
        throw e;
      }
      if (node == null || node.isMissingNode()) throw new Refused("no JSON value", 1, null);
      if (p.nextToken() != null) {
        throw new Refused("more than one JSON value (text after the first one ends)", p.currentLocation().getLineNr(), null);
      }
      return node;
    }
  }

  private static int lineOf(JsonLocation at) {
    return at == null ? 1 : at.getLineNr();
  }

  /** Where the parser is, as {@code group.key} or {@code list[2].key}. */
  private static String pathOf(JsonStreamContext context) {
    StringBuilder path = new StringBuilder();
    Deque<JsonStreamContext> chain = new ArrayDeque<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) chain.addFirst(c);
    for (JsonStreamContext c : chain) {
      if (c.inArray()) {
        path.append('[').append(c.getCurrentIndex()).append(']');
      } else {
        if (path.length() > 0) path.append('.');
        path.append(c.getCurrentName());
      }
    }
    return path.toString();
  }
}
