package dev.jtune.data.source;

import dev.jtune.data.BadInputException;
import dev.jtune.data.CsvHeader;
import dev.jtune.data.FieldLengthLimit;
import dev.jtune.data.RawRow;
import dev.jtune.data.TextSource;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

/**
 * A CSV or TSV file with a header row (UTF-8, optional byte-order mark, LF or CRLF line ends). CSV
 * follows RFC 4180 quoting; TSV follows the IANA format: no quoting, a field cannot hold a tab or a
 * line break, and quote characters are ordinary text (real TSV exports are full of stray quotes).
 * Reads the text, label and optional group column by name (exact, case-sensitive names). A header
 * that names two columns alike is refused, as is a field longer than {@link FieldLengthLimit}; a
 * blank header cell is an unnamed column, which cannot be selected.
 */
public final class DelimitedSource implements TextSource {
  private final Path file;
  private final char delimiter;
  private final String textCol;
  private final String labelCol;
  private final String groupCol;
  private final boolean groupRequired;
  private final boolean rowsRequired;

  /**
   * @param groupCol the group column, or {@code null} for none
   * @param groupRequired whether a missing group column is an error (else it is simply not used)
   */
  public DelimitedSource(
      Path file, char delimiter, String textCol, String labelCol, String groupCol, boolean groupRequired) {
    this(file, delimiter, textCol, labelCol, groupCol, groupRequired, true);
  }

  private DelimitedSource(
      Path file,
      char delimiter,
      String textCol,
      String labelCol,
      String groupCol,
      boolean groupRequired,
      boolean rowsRequired) {
    this.rowsRequired = rowsRequired;
    this.file = file;
    this.delimiter = delimiter;
    this.textCol = textCol;
    this.labelCol = labelCol;
    this.groupCol = groupCol;
    this.groupRequired = groupRequired;
  }

  /** The same source, but a header without data rows is an empty table rather than an error. */
  public DelimitedSource allowingNoRows() {
    return new DelimitedSource(file, delimiter, textCol, labelCol, groupCol, groupRequired, false);
  }

  public static DelimitedSource csv(Path file, String textCol, String labelCol, String groupCol) {
    return new DelimitedSource(file, ',', textCol, labelCol, groupCol, groupCol != null);
  }

  public static DelimitedSource tsv(Path file, String textCol, String labelCol, String groupCol) {
    return new DelimitedSource(file, '\t', textCol, labelCol, groupCol, groupCol != null);
  }

  @Override
  public String kind() {
    return delimiter == '\t' ? "tsv" : "csv";
  }

  @Override
  public String input() {
    return file.toString();
  }

  @Override
  public void read(Sink sink) {
    String content = Utf8File.read(file);
    if (content.isBlank()) {
      throw new BadInputException(file, 1, "file is empty", "give a file with a header row and data rows");
    }
    CSVFormat format =
        CSVFormat.DEFAULT.builder()
            .setDelimiter(delimiter)
            .setQuote(delimiter == '\t' ? null : Character.valueOf('"'))
            .setHeader()
            .setSkipHeaderRecord(true)
            .setIgnoreEmptyLines(true)
            // checked below in jtune's words: blank names are unnamed columns, a repeated name is refused
            .setAllowMissingColumnNames(true)
            .setDuplicateHeaderMode(DuplicateHeaderMode.ALLOW_ALL)
            .get();
    try (CSVParser parser = CSVParser.parse(new StringReader(content), format)) {
      List<String> header = parser.getHeaderNames();
      CsvHeader.requireValid(file, 1, header);
      requireColumn(header, textCol, "--text-col");
      requireColumn(header, labelCol, "--label-col");
      boolean hasGroup = groupCol != null && !groupCol.isEmpty() && header.contains(groupCol);
      if (groupRequired && !hasGroup) requireColumn(header, groupCol, "--group-col");

      long rows = 0;
      long recordStart = parser.getCurrentLineNumber() + 1;
      Iterator<CSVRecord> records = parser.iterator();
      while (true) {
        CSVRecord record;
        try {
          if (!records.hasNext()) break;
          record = records.next();
        } catch (UncheckedIOException e) {
          throw new BadInputException(
              file,
              recordStart,
              "unbalanced quotes: a quoted field is never closed",
              "close the quote or double every quote inside a quoted field (\"\")");
        }
        long line = recordStart;
        recordStart = parser.getCurrentLineNumber() + 1;
        if (record.size() != header.size()) {
          throw new BadInputException(
              file,
              line,
              "row has " + record.size() + " fields but the header has " + header.size(),
              delimiter == '\t'
                  ? "a TSV field cannot contain a tab; remove tabs from the text or use CSV"
                  : "quote fields that contain the delimiter or line breaks");
        }
        for (int i = 0; i < record.size(); i++) {
          if (FieldLengthLimit.exceeds(record.get(i))) {
            throw new BadInputException(
                file, line, FieldLengthLimit.problem("column '" + header.get(i) + "'", record.get(i)), FieldLengthLimit.FIX);
          }
        }
        rows++;
        String label = record.get(labelCol).strip();
        if (label.isEmpty()) {
          throw new BadInputException(
              file, line, "label column '" + labelCol + "' is blank", "fill in a label or remove the row");
        }
        String group = hasGroup ? blankToNull(record.get(groupCol)) : null;
        sink.row(new RawRow(record.get(textCol), label, group, file + ":" + line));
      }
      if (rows == 0 && rowsRequired) {
        throw new BadInputException(file, 2, "file has a header but no data rows", "add labeled rows");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void requireColumn(List<String> header, String column, String option) {
    if (column.isEmpty() || !header.contains(column)) {
      throw new BadInputException(
          file,
          1,
          "column '" + column + "' not found (columns: " + String.join(", ", header) + ")",
          "pass " + option + " with one of these names");
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }
}
