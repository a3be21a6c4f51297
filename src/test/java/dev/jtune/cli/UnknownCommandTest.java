package dev.jtune.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.jtune.io.CliRun;
import org.junit.jupiter.api.Test;

/** A verb jtune does not have is an error, with or without --help, so scripts can tell a missing command from a present one. */
class UnknownCommandTest {
  @Test
  void anUnknownVerbIsExitCode2AndOneLineListingTheCommands() {
    for (String[] args : new String[][] {{"distil"}, {"distil", "--help"}, {"distil", "-h"}, {"frobnicate", "--run", "x"}}) {
      CliRun r = CliRun.of(args).assertRefused("unknown command '" + args[0] + "'; commands: ");
      for (String verb : new String[] {"prepare", "train", "export", "score", "predict", "serve"}) {
        assertTrue(r.err().contains(verb), r.err());
      }
    }
  }

  @Test
  void knownVerbsAndTopLevelOptionsStillWork() {
    CliRun.of("predict", "--help").assertOk();
    CliRun.of("distill", "--help").assertOk();
    CliRun.of("--help").assertOk();
    CliRun.of("--version").assertOk();
    CliRun.of("help", "score").assertOk();
  }
}
