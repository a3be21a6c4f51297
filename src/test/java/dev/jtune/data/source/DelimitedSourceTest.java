package dev.jtune.data.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jtune.data.BadInputException;
import dev.jtune.data.CollectingSink;
import dev.jtune.data.FieldLengthLimit;
import dev.jtune.data.RawRow;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DelimitedSourceTest {
  @TempDir Path dir;

  private Path file(String name, byte[] bytes) throws Exception {
    return Files.write(dir.resolve(name), bytes);
  }

  private Path file(String name, String content) throws Exception {
    return file(name, content.getBytes(StandardCharsets.UTF_8));
  }

  private static List<RawRow> csv(Path file, String group) {
    return CollectingSink.readAll(DelimitedSource.csv(file, "text", "label", group)).rows;
  }

  @Test
  void readsQuotedFieldsWithDelimitersQuotesAndLineBreaks() throws Exception {
    Path f = file("q.csv", "id,text,label\n1,\"a, b\",x\n2,\"she said \"\"hi\"\"\",y\n3,\"line one\nline two\",x\n4,plain,y\n");
    List<RawRow> rows = csv(f, null);
    assertEquals(List.of("a, b", "she said \"hi\"", "line one\nline two", "plain"), rows.stream().map(RawRow::text).toList());
    assertEquals(List.of("x", "y", "x", "y"), rows.stream().map(RawRow::label).toList());
    assertEquals(f + ":6", rows.get(3).origin()); // the embedded line break moved row 4 to line 6
  }

  @Test
  void skipsAByteOrderMarkAndHandlesCrlf() throws Exception {
    byte[] body = "text,label\r\nhello,a\r\n\"two\r\nlines\",b\r\n".getBytes(StandardCharsets.UTF_8);
    byte[] withBom = new byte[body.length + 3];
    withBom[0] = (byte) 0xEF;
    withBom[1] = (byte) 0xBB;
    withBom[2] = (byte) 0xBF;
    System.arraycopy(body, 0, withBom, 3, body.length);
    List<RawRow> rows = csv(file("bom.csv", withBom), null);
    assertEquals("hello", rows.get(0).text()); // header "text" found despite the BOM
    assertEquals("two\r\nlines", rows.get(1).text());
    assertEquals("b", rows.get(1).label());
  }

  @Test
  void readsGroupsAndTreatsBlankGroupsAsNone() throws Exception {
    List<RawRow> rows = csv(file("g.csv", "text,label,thread\na,x,t1\nb,y,\n"), "thread");
    assertEquals("t1", rows.get(0).group());
    assertNull(rows.get(1).group());
  }

  @Test
  void readsTabSeparatedFilesWithQuotesAsText() throws Exception {
    Path f = file("t.tsv", "label\ttext\nspam\tWin, now\nham\tHe said \"hi and left\n");
    List<RawRow> rows = CollectingSink.readAll(DelimitedSource.tsv(f, "text", "label", null)).rows;
    assertEquals(List.of("Win, now", "He said \"hi and left"), rows.stream().map(RawRow::text).toList());
    Path tab = file("tab.tsv", "label\ttext\nham\ta\ttab\n");
    assertEquals(tab + ":2: row has 3 fields but the header has 2; a TSV field cannot contain a tab; "
        + "remove tabs from the text or use CSV",
        assertThrows(BadInputException.class, () -> CollectingSink.readAll(DelimitedSource.tsv(tab, "text", "label", null))).getMessage());
  }

  private static String error(Path f, String group) {
    return assertThrows(BadInputException.class, () -> csv(f, group)).getMessage();
  }

  @Test
  void reportsUnbalancedQuotesAtTheLineWhereTheFieldStarts() throws Exception {
    Path f = file("u.csv", "text,label\nok,a\n\"never closed,b\nmore,a\n");
    assertEquals(f + ":3: unbalanced quotes: a quoted field is never closed; "
        + "close the quote or double every quote inside a quoted field (\"\")", error(f, null));
  }

  @Test
  void reportsAMissingColumnWithTheColumnsThatExist() throws Exception {
    Path f = file("m.csv", "body,label\nhi,a\n");
    assertEquals(f + ":1: column 'text' not found (columns: body, label); pass --text-col with one of these names", error(f, null));
    Path g = file("m2.csv", "text,label\nhi,a\n");
    assertEquals(g + ":1: column 'thread' not found (columns: text, label); pass --group-col with one of these names",
        error(g, "thread"));
  }

  @Test
  void reportsNonUtf8BytesWithTheirLine() throws Exception {
    byte[] latin1 = "text,label\nok,a\ncaf\u00E9,b\n".getBytes(StandardCharsets.ISO_8859_1);
    Path f = file("l.csv", latin1);
    String message = error(f, null);
    assertEquals(f + ":3: byte 0xE9 at offset 19 is not valid UTF-8; convert the file to UTF-8 (e.g. iconv -f WINDOWS-1252 -t UTF-8)", message);
  }

  @Test
  void reportsEmptyFilesAndHeaderOnlyFiles() throws Exception {
    Path empty = file("e.csv", "");
    assertEquals(empty + ":1: file is empty; give a file with a header row and data rows", error(empty, null));
    Path header = file("h.csv", "text,label\n");
    assertEquals(header + ":2: file has a header but no data rows; add labeled rows", error(header, null));
  }

  @Test
  void reportsBlankLabels() throws Exception {
    Path f = file("b.csv", "text,label\nfine,a\nno label,  \n");
    assertEquals(f + ":3: label column 'label' is blank; fill in a label or remove the row", error(f, null));
  }

  @Test
  void reportsRowsWithTheWrongNumberOfFields() throws Exception {
    Path f = file("n.csv", "text,label\nfine,a\nan, unquoted comma,b\n");
    assertEquals(f + ":3: row has 3 fields but the header has 2; quote fields that contain the delimiter or line breaks",
        error(f, null));
  }

  @Test
  void refusesAHeaderThatNamesAColumnTwice() throws Exception {
    // before: the last of the two columns silently won, e.g. a second label column inverted every label
    Path labels = file("dup.csv", "text,label,label\nhello,a,b\n");
    assertEquals(labels + ":1: the header names a column more than once: 'label' (columns 2, 3); give every column its own name",
        error(labels, null));
    Path two = file("dup2.csv", "text,label,text,label\nhello,a,bye,b\n");
    assertEquals(two + ":1: the header names columns more than once: 'text' (columns 1, 3), 'label' (columns 2, 4); "
        + "give every column its own name", error(two, null));
    Path tsv = file("dup.tsv", "text\tlabel\ttext\nhello\ta\tbye\n");
    assertEquals(tsv + ":1: the header names a column more than once: 'text' (columns 1, 3); give every column its own name",
        assertThrows(BadInputException.class, () -> CollectingSink.readAll(DelimitedSource.tsv(tsv, "text", "label", null))).getMessage());
  }

  @Test
  void namesAreExactAndBlankHeaderCellsAreUnnamedColumns() throws Exception {
    // columns are looked up by their exact name, so names differing in case are two different columns
    List<RawRow> rows = csv(file("case.csv", "text,Text,label\nlower,upper,a\n"), null);
    assertEquals("lower", rows.get(0).text());
    // trailing empty header cells (spreadsheet exports) are unnamed columns, not a crash
    rows = csv(file("blank.csv", "text,label,,\nhello,a,,\n"), null);
    assertEquals(List.of("hello"), rows.stream().map(RawRow::text).toList());
  }

  @Test
  void refusesAFieldLongerThanTheLimitInCsvAndTsv() throws Exception {
    String longText = "x".repeat(FieldLengthLimit.MAX_CHARS + 1);
    Path f = file("long.csv", "text,label\nshort,a\n\"" + longText + "\",b\n");
    assertEquals(f + ":3: column 'text' has 1,000,001 characters, more than the limit of 1,000,000; " + FieldLengthLimit.FIX,
        error(f, null));
    Path t = file("long.tsv", "label\ttext\na\tshort\nb\t" + longText + "\n");
    assertEquals(t + ":3: column 'text' has 1,000,001 characters, more than the limit of 1,000,000; " + FieldLengthLimit.FIX,
        assertThrows(BadInputException.class, () -> CollectingSink.readAll(DelimitedSource.tsv(t, "text", "label", null))).getMessage());
    // exactly at the limit is fine, and characters are code points: an emoji is one character, not two
    String emojis = "\uD83D\uDE00".repeat(FieldLengthLimit.MAX_CHARS);
    List<RawRow> rows = csv(file("limit.csv", "text,label\n" + "y".repeat(FieldLengthLimit.MAX_CHARS) + ",a\n" + emojis + ",b\n"), null);
    assertEquals(2, rows.size());
  }
}
