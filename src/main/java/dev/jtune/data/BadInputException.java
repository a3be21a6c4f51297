package dev.jtune.data;

import dev.jtune.JtuneException;
import java.nio.file.Path;

/**
 * A problem in an input file the user can fix. The message reads {@code file:line: what is wrong;
 * how to fix} (line omitted when the problem is not tied to one line).
 */
public final class BadInputException extends JtuneException {
  public BadInputException(Path file, long line, String problem, String fix) {
    super(location(file, line) + ": " + problem + "; " + fix);
  }

  public BadInputException(Path file, String problem, String fix) {
    this(file, 0, problem, fix);
  }

  private static String location(Path file, long line) {
    return line > 0 ? file + ":" + line : file.toString();
  }
}
