package dev.jtune.data.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jtune.data.BadInputException;
import dev.jtune.data.DropReason;
import dev.jtune.data.RawRow;
import dev.jtune.data.StrictJson;
import dev.jtune.data.TextSource;
import dev.jtune.data.clean.StageDirections;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The State of the Union corpus: one JSON file per speech ({@code year, name, party, text}) in
 * {@code <in>/data/} (or directly in {@code <in>}). Every speech is split into sentences; each
 * sentence is a row labeled with the speaker's party, grouped by speech (the file name), so that a
 * speech never spans two splits. Sentences of other parties are dropped and counted.
 */
public final class SotuSource implements TextSource {
  /** The parties kept as labels. */
  public static final Set<String> PARTIES = Set.of("Republican", "Democratic");

  private static final StageDirections STAGE_DIRECTIONS = new StageDirections();

  private final Path dir;

  public SotuSource(Path dir) {
    this.dir = dir;
  }

  @Override
  public String kind() {
    return "sotu";
  }

  @Override
  public String input() {
    return dir.toString();
  }

  @Override
  public void read(Sink sink) {
    List<Path> speeches = speeches();
    for (Path file : speeches) {
      JsonNode speech = StrictJson.parse(file, 1, Utf8File.read(file), "re-fetch the corpus with make datasets");
      String party = requireText(speech, "party", file);
      String text = requireText(speech, "text", file);
      String group = file.getFileName().toString().replaceFirst("\\.json$", "");
      boolean kept = PARTIES.contains(party);
      int line = 0;
      for (String sentence : SentenceSplitter.split(STAGE_DIRECTIONS.apply(text))) {
        line++;
        if (kept) {
          sink.row(new RawRow(sentence, party, group, file + ":sentence " + line));
        } else {
          sink.dropped(DropReason.OTHER_PARTY);
        }
      }
    }
  }

  private List<Path> speeches() {
    Path data = Files.isDirectory(dir.resolve("data")) ? dir.resolve("data") : dir;
    if (!Files.isDirectory(data)) {
      throw new BadInputException(dir, "folder not found", "pass --in <package>/sotu after make datasets");
    }
    try (Stream<Path> files = Files.list(data)) {
      List<Path> speeches = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
      if (speeches.isEmpty()) {
        throw new BadInputException(data, "no speech files (*.json) found", "pass --in <package>/sotu");
      }
      return speeches;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String requireText(JsonNode speech, String field, Path file) {
    JsonNode value = speech.get(field);
    if (value == null || !value.isTextual()) {
      throw new BadInputException(file, "field '" + field + "' missing or not a string",
          "re-fetch the corpus with make datasets");
    }
    return value.asText();
  }
}
