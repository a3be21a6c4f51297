package dev.jtune.data.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jtune.data.BadInputException;
import dev.jtune.data.DropReason;
import dev.jtune.data.RawRow;
import dev.jtune.data.StrictJson;
import dev.jtune.data.TextSource;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The SpamAssassin public mail corpus: one folder per collection ({@code easy-ham-1},
 * {@code spam-2}, ...), each message as raw bytes ({@code *.txt}) or as JSON with a {@code text}
 * field ({@code *.json}, used only where no raw file exists, because its text lost the original
 * bytes of non-UTF-8 mail). The label is {@code spam} for collections named {@code spam*}, else
 * {@code ham}. Messages are grouped by thread (their subject without reply/forward prefixes and
 * list tags), so a thread or a spam campaign sharing one subject never spans two splits.
 */
public final class SpamAssassinSource implements TextSource {
  private static final Pattern REPLY_PREFIX =
      Pattern.compile("^(?:\\s*(?:re|fwd?|aw|sv)(?:\\[\\d+\\])?\\s*:|\\s*\\[[^\\]]{1,40}\\])+", Pattern.CASE_INSENSITIVE);
  private static final Pattern SPACES = Pattern.compile("\\s+");

  private final Path dir;

  public SpamAssassinSource(Path dir) {
    this.dir = dir;
  }

  @Override
  public String kind() {
    return "spamassassin";
  }

  @Override
  public String input() {
    return dir.toString();
  }

  @Override
  public void read(Sink sink) {
    for (Path collection : collections()) {
      String name = collection.getFileName().toString();
      String label = name.toLowerCase(Locale.ROOT).startsWith("spam") ? "spam" : "ham";
      List<Path> messages = messages(collection);
      // Parsing is independent per message: do it on all cores, then hand rows out in file order.
      List<EmailText> parsed = messages.parallelStream().map(SpamAssassinSource::parseOrNull).toList();
      for (int i = 0; i < messages.size(); i++) {
        EmailText email = parsed.get(i);
        if (email == null) {
          sink.dropped(DropReason.UNREADABLE_EMAIL);
          continue;
        }
        Path message = messages.get(i);
        String id = message.getFileName().toString().replaceFirst("\\.(txt|json)$", "");
        String thread = threadOf(email.subject(), name + "/" + id);
        sink.row(new RawRow(email.text(), label, thread, message.toString()));
      }
    }
  }

  private static EmailText parseOrNull(Path message) {
    try {
      return EmailText.parse(rawBytes(message));
    } catch (MessagingException e) {
      return null; // not MIME at all: counted as unreadable
    }
  }

  /**
   * The thread key of a message: its subject, lowercased, without "Re:"/"Fwd:" prefixes and
   * "[list]" tags; a message without a subject is its own thread.
   */
  static String threadOf(String subject, String messageId) {
    String topic = SPACES.matcher(REPLY_PREFIX.matcher(subject).replaceFirst("")).replaceAll(" ").strip();
    return topic.isEmpty() ? "message:" + messageId : "thread:" + topic.toLowerCase(Locale.ROOT);
  }

  private List<Path> collections() {
    if (!Files.isDirectory(dir)) {
      throw new BadInputException(dir, "folder not found", "pass --in <package>/data after make datasets");
    }
    try (Stream<Path> entries = Files.list(dir)) {
      List<Path> found = entries.filter(Files::isDirectory).sorted().toList();
      if (found.isEmpty()) {
        throw new BadInputException(dir, "no collection folders (easy-ham-1, spam-1, ...) found",
            "pass --in <package>/data");
      }
      return found;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One path per message: the raw .txt file, or the .json file when there is no raw file. */
  private static List<Path> messages(Path collection) {
    try (Stream<Path> entries = Files.list(collection)) {
      List<Path> files = entries.sorted().toList();
      Set<String> names = new HashSet<>();
      files.forEach(f -> names.add(f.getFileName().toString()));
      return files.stream()
          .filter(f -> {
            String n = f.getFileName().toString();
            if (n.endsWith(".txt")) return true;
            return n.endsWith(".json") && !names.contains(n.substring(0, n.length() - 5) + ".txt");
          })
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] rawBytes(Path message) {
    try {
      if (message.toString().endsWith(".txt")) return Files.readAllBytes(message);
      JsonNode node = StrictJson.parse(message, 1, Utf8File.read(message), "re-fetch the corpus with make datasets");
      JsonNode text = node.get("text");
      if (text == null || !text.isTextual()) {
        throw new BadInputException(message, "field 'text' missing", "re-fetch the corpus with make datasets");
      }
      return text.asText().getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + message, e);
    }
  }
}
