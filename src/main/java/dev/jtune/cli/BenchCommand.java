package dev.jtune.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code jtune bench}: performance measurements, one subcommand per component, each printing JSON. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure performance; each subcommand prints a JSON report.",
    subcommands = {BenchEncoderCommand.class, BenchTrainCommand.class, BenchExportCommand.class, BenchServeCommand.class,
        BenchCompressCommand.class})
public final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
