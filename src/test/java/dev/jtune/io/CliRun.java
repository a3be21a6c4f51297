package dev.jtune.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** One run of the {@code jtune} command line in this JVM: its exit code and what it printed on stderr. */
public record CliRun(int code, String err) {
  public static CliRun of(String... args) {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      int code = Main.run(args);
      return new CliRun(code, buf.toString(StandardCharsets.UTF_8).strip());
    } finally {
      System.setErr(old);
    }
  }

  /** Exit code 2 and exactly one line on stderr, "error: ..." containing {@code expected}. */
  public CliRun assertRefused(String expected) {
    assertEquals(2, code, err);
    assertEquals(1, err.lines().count(), "one line: " + err);
    assertTrue(err.startsWith("error: ") && err.contains(expected), err);
    return this;
  }

  public CliRun assertOk() {
    assertEquals(0, code, err);
    return this;
  }
}
