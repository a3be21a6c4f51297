package dev.jtune.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The rules every header row of a CSV or TSV input obeys, wherever it is read ({@code prepare},
 * {@code evaluate --csv}, {@code score}): no column name given twice, since columns are looked up by
 * name and one of the two would win silently (names are compared exactly, as they are looked up; a
 * blank cell is an unnamed column and may repeat), and no name longer than {@link FieldLengthLimit}.
 */
public final class CsvHeader {
  private CsvHeader() {}

  /** Throws a {@link BadInputException} at {@code file:line} naming every repeated name and its columns. */
  public static void requireValid(Path file, long line, List<String> names) {
    Map<String, List<Integer>> positions = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      if (FieldLengthLimit.exceeds(name)) {
        throw new BadInputException(file, line, FieldLengthLimit.problem("the name of column " + (i + 1), name), FieldLengthLimit.FIX);
      }
      if (!name.isEmpty()) positions.computeIfAbsent(name, k -> new ArrayList<>()).add(i + 1);
    }
    List<String> repeated = new ArrayList<>();
    positions.forEach((name, at) -> {
      if (at.size() > 1) {
        repeated.add("'" + name + "' (columns " + at.stream().map(String::valueOf).collect(Collectors.joining(", ")) + ")");
      }
    });
    if (!repeated.isEmpty()) {
      throw new BadInputException(file, line, "the header names " + (repeated.size() == 1 ? "a column" : "columns")
          + " more than once: " + String.join(", ", repeated), "give every column its own name");
    }
  }
}
