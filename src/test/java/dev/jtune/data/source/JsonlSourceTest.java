package dev.jtune.data.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jtune.data.BadInputException;
import dev.jtune.data.CollectingSink;
import dev.jtune.data.RawRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlSourceTest {
  @TempDir Path dir;

  @Test
  void readsOneObjectPerLineSkippingBlankLines() throws Exception {
    Path f = Files.writeString(dir.resolve("d.jsonl"),
        "{\"body\":\"first\\nline\",\"y\":\"pos\",\"doc\":\"d1\"}\n\n{\"body\":\"second\",\"y\":3,\"doc\":\"d2\"}\n");
    List<RawRow> rows = CollectingSink.readAll(new JsonlSource(f, "body", "y", "doc")).rows;
    assertEquals(List.of("first\nline", "second"), rows.stream().map(RawRow::text).toList());
    assertEquals(List.of("pos", "3"), rows.stream().map(RawRow::label).toList());
    assertEquals("d2", rows.get(1).group());
    assertEquals(f + ":3", rows.get(1).origin());
  }

  @Test
  void reportsInvalidJsonMissingFieldsAndBlankLabels() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"text\":\"a\",\"label\":\"x\"}\n{\"text\": \"b\n");
    assertEquals(bad + ":2", message(bad).substring(0, message(bad).indexOf(": not valid JSON")));
    Path missing = Files.writeString(dir.resolve("m.jsonl"), "{\"text\":\"a\"}\n");
    assertEquals(missing + ":1: field 'label' is missing; add it or pass --label-col with the right name", message(missing));
    Path blank = Files.writeString(dir.resolve("b.jsonl"), "{\"text\":\"a\",\"label\":\" \"}\n");
    assertEquals(blank + ":1: label field 'label' is blank; fill in a label or remove the line", message(blank));
    Path empty = Files.writeString(dir.resolve("e.jsonl"), "\n");
    assertEquals(empty + ":1: file is empty; give one JSON object per line", message(empty));
  }

  private static String message(Path f) {
    return assertThrows(BadInputException.class,
        () -> CollectingSink.readAll(new JsonlSource(f, "text", "label", null))).getMessage();
  }
}
