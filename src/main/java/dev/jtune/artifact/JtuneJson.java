package dev.jtune.artifact;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.jtune.JtuneException;
import dev.jtune.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The one JSON convention of every file jtune writes and reads back (run folders, classifier.json,
 * reports, configs, provenance, checkpoints' state): snake_case field names, indented, unknown
 * fields and repeated keys refused, written atomically. Wire formats of other programs (TF
 * Serving's REST JSON, user input files) have their own readers.
 */
public final class JtuneJson {
  /** Shared, thread-safe once configured. */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  private JtuneJson() {}

  /** Writes {@code value} to {@code target} all at once. */
  public static void write(Path target, Object value) {
    try {
      AtomicFiles.writeString(target, MAPPER.writeValueAsString(value) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads {@code file} as {@code type}; a missing or invalid file is one {@link JtuneException} line
   * naming it, the first line of the reason and {@code fix}.
   */
  public static <T> T read(Path file, Class<T> type, String what, String fix) {
    try {
      return MAPPER.readValue(file.toFile(), type);
    } catch (IOException | IllegalArgumentException e) {
      Throwable c = e;
      while (c.getCause() != null) c = c.getCause();
      String reason = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage().lines().findFirst().orElse("");
      throw new JtuneException(file + ": cannot read " + what + " (" + reason + "); " + fix);
    }
  }
}
