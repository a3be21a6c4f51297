package dev.jtune.data.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jtune.data.BadInputException;
import dev.jtune.data.FieldLengthLimit;
import dev.jtune.data.RawRow;
import dev.jtune.data.StrictJson;
import dev.jtune.data.TextSource;
import java.nio.file.Path;

/**
 * A JSON Lines file: one JSON object per line, with text, label and optional group fields. A key
 * given twice in one object, or a value longer than {@link FieldLengthLimit}, is refused with its line.
 */
public final class JsonlSource implements TextSource {
  private final Path file;
  private final String textField;
  private final String labelField;
  private final String groupField;

  /** @param groupField the group field, or {@code null} for none */
  public JsonlSource(Path file, String textField, String labelField, String groupField) {
    this.file = file;
    this.textField = textField;
    this.labelField = labelField;
    this.groupField = groupField;
  }

  @Override
  public String kind() {
    return "jsonl";
  }

  @Override
  public String input() {
    return file.toString();
  }

  @Override
  public void read(Sink sink) {
    String content = Utf8File.read(file);
    String[] lines = content.split("\r?\n", -1);
    long rows = 0;
    for (int i = 0; i < lines.length; i++) {
      long line = i + 1;
      if (lines[i].isBlank()) continue;
      JsonNode node = StrictJson.parse(file, line, lines[i], "write one JSON object per line");
      if (!node.isObject()) {
        throw new BadInputException(file, line, "line is not a JSON object", "write one JSON object per line");
      }
      requireFieldsWithinLimit(node, "", line);
      String text = field(node, textField, line, "--text-col");
      String label = field(node, labelField, line, "--label-col").strip();
      if (label.isEmpty()) {
        throw new BadInputException(
            file, line, "label field '" + labelField + "' is blank", "fill in a label or remove the line");
      }
      String group = null;
      if (groupField != null) {
        String g = field(node, groupField, line, "--group-col");
        group = g.isBlank() ? null : g.strip();
      }
      rows++;
      sink.row(new RawRow(text, label, group, file + ":" + line));
    }
    if (rows == 0) {
      throw new BadInputException(file, 1, "file is empty", "give one JSON object per line");
    }
  }

  /** Every key and string value of the record, however deeply nested, obeys {@link FieldLengthLimit}. */
  private void requireFieldsWithinLimit(JsonNode node, String path, long line) {
    if (node.isTextual() && FieldLengthLimit.exceeds(node.textValue())) {
      throw new BadInputException(file, line, FieldLengthLimit.problem("field '" + path + "'", node.textValue()), FieldLengthLimit.FIX);
    }
    if (node.isObject()) {
      for (var e : node.properties()) {
        if (FieldLengthLimit.exceeds(e.getKey())) {
          throw new BadInputException(file, line, FieldLengthLimit.problem("a field name", e.getKey()), FieldLengthLimit.FIX);
        }
        requireFieldsWithinLimit(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), line);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) requireFieldsWithinLimit(node.get(i), path + "[" + i + "]", line);
    }
  }

  private String field(JsonNode node, String name, long line, String option) {
    JsonNode value = node.get(name);
    if (value == null) {
      throw new BadInputException(
          file, line, "field '" + name + "' is missing", "add it or pass " + option + " with the right name");
    }
    if (value.isNull()) return "";
    if (!value.isValueNode()) {
      throw new BadInputException(
          file, line, "field '" + name + "' is not a string or number", "store it as a JSON string");
    }
    return value.asText();
  }
}
