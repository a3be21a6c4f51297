package dev.jtune.data.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jtune.data.BadInputException;
import dev.jtune.data.CollectingSink;
import dev.jtune.data.FieldLengthLimit;
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

  @Test
  void refusesAKeyGivenTwiceInOneObject() throws Exception {
    // before: the last value silently won
    Path f = Files.writeString(dir.resolve("dup.jsonl"), "{\"text\":\"a\",\"label\":\"x\"}\n{\"text\":\"b\",\"label\":\"x\",\"label\":\"y\"}\n");
    assertEquals(f + ":2: key 'label' appears twice in one object; keep only one of them", message(f));
    Path nested = Files.writeString(dir.resolve("nested.jsonl"), "{\"text\":\"a\",\"label\":\"x\",\"meta\":{\"id\":1,\"id\":2}}\n");
    assertEquals(nested + ":1: key 'meta.id' appears twice in one object; keep only one of them", message(nested));
  }

  @Test
  void refusesTextAfterTheObjectOnALine() throws Exception {
    // before: the second object on the line was ignored without a word
    Path f = Files.writeString(dir.resolve("two.jsonl"), "{\"text\":\"a\",\"label\":\"x\"} {\"text\":\"b\",\"label\":\"y\"}\n");
    assertEquals(f + ":1: more than one JSON value (text after the first one ends); write one JSON object per line", message(f));
  }

  @Test
  void refusesAFieldLongerThanTheLimitInJtunesOwnWords() throws Exception {
    // above Jackson's own 20,000,000-character cap, which used to be the message users saw
    String huge = "x".repeat(20_000_001);
    Path f = Files.writeString(dir.resolve("huge.jsonl"), "{\"text\":\"ok\",\"label\":\"x\"}\n{\"text\":\"" + huge + "\",\"label\":\"y\"}\n");
    assertEquals(f + ":2: field 'text' has 20,000,001 characters, more than the limit of 1,000,000; " + FieldLengthLimit.FIX, message(f));
    Path unused = Files.writeString(dir.resolve("unused.jsonl"),
        "{\"text\":\"ok\",\"label\":\"x\",\"notes\":[\"" + "y".repeat(FieldLengthLimit.MAX_CHARS + 1) + "\"]}\n");
    assertEquals(unused + ":1: field 'notes[0]' has 1,000,001 characters, more than the limit of 1,000,000; " + FieldLengthLimit.FIX,
        message(unused));
    Path atLimit = Files.writeString(dir.resolve("limit.jsonl"), "{\"text\":\"" + "z".repeat(FieldLengthLimit.MAX_CHARS) + "\",\"label\":\"x\"}\n");
    assertEquals(FieldLengthLimit.MAX_CHARS, CollectingSink.readAll(new JsonlSource(atLimit, "text", "label", null)).rows.get(0).text().length());
  }
}
