package dev.jtune;

/**
 * An error the user can fix: bad input file, wrong option, wrong model folder. Its message is one
 * line that names the file (and line or field where known) and says what to do; the CLI prints it
 * and exits with code 2, without a stack trace.
 */
public class JtuneException extends RuntimeException {
  public JtuneException(String message) {
    super(message);
  }

  public JtuneException(String message, Throwable cause) {
    super(message, cause);
  }
}
