package dev.jtune.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.jtune.io.CliRun;
import org.junit.jupiter.api.Test;

/** A verb jtune does not have is an error, with or without --help, so scripts can tell a missing command from a present one. */
class UnknownCommandTest {
  @Test
  void anUnknownVerbIsExitCode2AndOneLineListingTheCommands() {
    for (String[] args : new String[][] {{"distil"}, {"distil", "--help"}, {"distil", "-h"}, {"frobnicate", "--run", "x"}, {"--verbose", "distil", "--help"}}) {
      String verb = args[0].equals("--verbose") ? args[1] : args[0];
      CliRun r = CliRun.of(args).assertRefused("unknown command '" + verb + "'; commands: ");
      for (String command : new String[] {"prepare", "train", "export", "score", "predict", "serve"}) {
        assertTrue(r.err().contains(command), r.err());
      }
    }
  }

  @Test
  void knownVerbsAndTopLevelOptionsStillWork() {
    CliRun.of("predict", "--help").assertOk();
    CliRun.of("distill", "--help").assertOk();
    CliRun.of("--help").assertOk();
    CliRun.of("--version").assertOk();
    CliRun.of("--verbose", "predict", "--help").assertOk();
    CliRun.of("help", "score").assertOk();
  }
}
