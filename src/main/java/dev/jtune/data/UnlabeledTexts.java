package dev.jtune.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jtune.data.source.Utf8File;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

/**
 * Texts without labels, for a student to learn from a teacher's soft labels: a CSV/TSV file with a
 * header row or a JSONL file (by extension: .jsonl/.json, .tsv, else CSV), one text per row in
 * {@code textCol}. Texts are used as they are (no cleaning rules run on them). A blank text is
 * skipped and counted; anything malformed is refused naming the file and line.
 *
 * @param texts the non-blank texts, in file order
 * @param blankSkipped rows skipped because their text was blank
 */
public record UnlabeledTexts(List<String> texts, int blankSkipped) {
  public UnlabeledTexts {
    texts = List.copyOf(texts);
  }

  public static UnlabeledTexts read(Path file, String textCol) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    String content = Utf8File.read(file);
    if (content.isBlank()) throw new BadInputException(file, 1, "file is empty", "give one text per row");
    List<String> texts = new ArrayList<>();
    int blank = 0;
    if (name.endsWith(".jsonl") || name.endsWith(".json")) {
      String[] lines = content.split("\r?\n", -1);
      for (int i = 0; i < lines.length; i++) {
        if (lines[i].isBlank()) continue;
        JsonNode node = StrictJson.parse(file, i + 1, lines[i], "write one JSON object per line");
        JsonNode text = node.get(textCol);
        if (!node.isObject() || text == null || !text.isTextual()) {
          throw new BadInputException(file, i + 1, "no string field '" + textCol + "'",
              "give each line a \"" + textCol + "\" string (or pass the field's name with --unlabeled-text-col)");
        }
        blank += add(texts, text.asText(), file, i + 1);
      }
    } else {
      char delimiter = name.endsWith(".tsv") ? '\t' : ',';
      CSVFormat format = CSVFormat.DEFAULT.builder().setDelimiter(delimiter).setHeader().setSkipHeaderRecord(true)
          .setIgnoreEmptyLines(true).setAllowMissingColumnNames(true).setDuplicateHeaderMode(DuplicateHeaderMode.ALLOW_ALL).get();
      try (CSVParser parser = CSVParser.parse(new StringReader(content), format)) {
        List<String> header = parser.getHeaderNames();
        CsvHeader.requireValid(file, 1, header);
        int col = header.indexOf(textCol);
        if (col < 0) {
          throw new BadInputException(file, 1, "no column '" + textCol + "' in the header " + header,
              "name the text column with --unlabeled-text-col");
        }
        for (CSVRecord r : parser) {
          long line = r.getParser().getCurrentLineNumber();
          if (r.size() != header.size()) {
            throw new BadInputException(file, line, "row has " + r.size() + " fields but the header has " + header.size(),
                "quote fields that contain the delimiter");
          }
          blank += add(texts, r.get(col), file, line);
        }
      } catch (IOException | UncheckedIOException e) {
        throw new BadInputException(file, "malformed CSV: " + e.getMessage(), "fix the quoting");
      }
    }
    if (texts.isEmpty()) throw new BadInputException(file, "no non-blank text in column '" + textCol + "'", "give at least one text");
    return new UnlabeledTexts(texts, blank);
  }

  private static int add(List<String> texts, String text, Path file, long line) {
    if (FieldLengthLimit.exceeds(text)) throw new BadInputException(file, line, FieldLengthLimit.problem("the text", text), FieldLengthLimit.FIX);
    if (text.isBlank()) return 1;
    texts.add(text);
    return 0;
  }
}
