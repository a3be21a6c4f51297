package dev.jtune.serve;

import dev.jtune.data.BadInputException;
import dev.jtune.data.CsvHeader;
import dev.jtune.data.FieldLengthLimit;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a CSV of any size one record at a time and keeps going past broken records. commons-csv
 * parses each record; this class only cuts the stream into candidate records (physical lines
 * joined while a quote is open) so that one malformed record (stray quote, wrong field count)
 * becomes a {@link Rejected} with its line number and reason instead of ending the file. A quote
 * still open after {@link FieldLengthLimit#MAX_CHARS} characters is given up as unterminated, the rest
 * re-read from the next line; a field longer than that limit is rejected too. A header that names two
 * columns alike is refused. Line breaks inside quoted fields come back as {@code \n}.
 */
public final class CsvRecordReader implements Closeable {
  /** What {@link #next()} returns. */
  public sealed interface Item permits Row, Rejected {
    long line();
  }

  /** A well-formed record. */
  public record Row(long line, List<String> fields) implements Item {}

  /** A record that cannot be read, with the reason and its raw text. */
  public record Rejected(long line, String reason, String raw) implements Item {}

  private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(false).get();

  private final Path file;
  private final BufferedReader in;
  private final List<String> header;
  // lines read but not consumed yet (after giving up on an unterminated quote), with line numbers
  private final Deque<Line> pushedBack = new ArrayDeque<>();
  private long nextLine = 1;

  /**
   * About how many records follow the header of a CSV file, from one cheap pass over its bytes:
   * line breaks outside double quotes that end a non-blank line, less the header. Exact for
   * well-formed files; a progress total, not a promise (a broken quote makes it an estimate).
   */
  public static long countRecords(Path file) throws IOException {
    long lines = 0;
    boolean quoted = false;
    boolean content = false;
    byte[] buf = new byte[1 << 16];
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        for (int i = 0; i < n; i++) {
          byte b = buf[i];
          if (b == '"') {
            quoted = !quoted;
            content = true;
          } else if (b == '\n' && !quoted) {
            if (content) lines++;
            content = false;
          } else if (b != '\r') {
            content = true;
          }
        }
      }
    }
    if (content) lines++;
    return Math.max(0, lines - 1);
  }

  /** Reads the header line of {@code in}, the content of {@code file} (named in messages). */
  public CsvRecordReader(Path file, BufferedReader in) {
    this.file = file;
    this.in = in;
    Item first = next();
    if (first == null) throw new BadInputException(file, "the file is empty (no header line)", "give a CSV with a header line");
    if (first instanceof Rejected r) {
      throw new BadInputException(file, first.line(), "unreadable CSV header (" + r.reason() + ")", "fix the header line");
    }
    List<String> h = new ArrayList<>(((Row) first).fields());
    if (!h.isEmpty() && h.get(0).startsWith("\uFEFF")) h.set(0, h.get(0).substring(1)); // UTF-8 byte order mark
    CsvHeader.requireValid(file, first.line(), h);
    this.header = List.copyOf(h);
  }

  public List<String> header() {
    return header;
  }

  /** The next record, or null at the end of the input. Blank lines are skipped. */
  public Item next() {
    while (true) {
      Line first = readLine();
      if (first == null) return null;
      if (first.text().isBlank()) continue;
      StringBuilder record = new StringBuilder(first.text());
      List<Line> consumed = new ArrayList<>();
      int quotes = count(first.text());
      // with an odd count, the last quote is the one that opened the field still open
      int openedAt = first.text().lastIndexOf('"');
      while (quotes % 2 != 0) {
        boolean tooLong = record.length() - openedAt > FieldLengthLimit.MAX_CHARS;
        Line more = tooLong ? null : readLine();
        if (more == null) {
          // unterminated quote: reject the first line only and re-read what followed it
          for (int i = consumed.size() - 1; i >= 0; i--) pushedBack.addFirst(consumed.get(i));
          String reason = tooLong
              ? String.format(Locale.ROOT, "unterminated quoted field (still open after %,d characters, the field length limit)",
                  FieldLengthLimit.MAX_CHARS)
              : "unterminated quoted field";
          return new Rejected(first.number(), reason, first.text());
        }
        consumed.add(more);
        record.append('\n');
        int start = record.length();
        record.append(more.text());
        int q = count(more.text());
        quotes += q;
        if (q > 0) openedAt = start + more.text().lastIndexOf('"');
      }
      return parse(first.number(), record.toString());
    }
  }

  private Item parse(long line, String text) {
    try (CSVParser p = CSVParser.parse(text, FORMAT)) {
      List<CSVRecord> recs = p.getRecords();
      if (recs.size() != 1) return new Rejected(line, "broken quoting (" + recs.size() + " records in one line)", text);
      List<String> fields = recs.get(0).toList();
      if (header != null && fields.size() != header.size()) {
        return new Rejected(line, "expected " + header.size() + " fields, found " + fields.size(), text);
      }
      if (header != null) {
        for (int i = 0; i < fields.size(); i++) {
          if (FieldLengthLimit.exceeds(fields.get(i))) {
            return new Rejected(line, "field too long: " + FieldLengthLimit.problem("column '" + header.get(i) + "'", fields.get(i)), text);
          }
        }
      }
      return new Row(line, fields);
    } catch (IOException | UncheckedIOException | IllegalStateException e) {
      String m = String.valueOf(e.getMessage());
      return new Rejected(line, "broken quoting: " + m.replaceAll("\\s+", " "), text);
    }
  }

  private static int count(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) if (s.charAt(i) == '"') n++;
    return n;
  }

  private record Line(long number, String text) {}

  private Line readLine() {
    if (!pushedBack.isEmpty()) return pushedBack.pollFirst();
    try {
      String l = in.readLine();
      return l == null ? null : new Line(nextLine++, l);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
