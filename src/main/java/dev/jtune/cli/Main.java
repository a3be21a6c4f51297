package dev.jtune.cli;

import dev.jtune.JtuneException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code jtune} command line: one subcommand per pipeline stage. */
@Command(
    name = "jtune",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Fine-tune BERT-style encoders with TensorFlow Java: prepare data, import, train, evaluate, export, serve.",
    subcommands = {
      CommandLine.HelpCommand.class,
      PrepareCommand.class,
      ImportCommand.class,
      TrainCommand.class,
      DistillCommand.class,
      PruneCommand.class,
      EvaluateCommand.class,
      BaselineCommand.class,
      ExportCommand.class,
      ScoreCommand.class,
      ServeCommand.class,
      BenchCommand.class
    })
public final class Main implements Runnable {
  /** Exit code for errors the user can fix (bad input, wrong option). */
  public static final int EXIT_USER_ERROR = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code (tests call this instead of {@link #main}). */
  public static int run(String... args) {
    CommandLine cli = commandLine();
    return cli.execute(args);
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          JtuneException user = userError(ex);
          if (user != null) {
            cmd.getErr().println("error: " + user.getMessage());
            return EXIT_USER_ERROR;
          }
          throw ex;
        });
    cli.setParameterExceptionHandler(
        (ex, args) -> {
          ex.getCommandLine().getErr().println("error: " + ex.getMessage() + " (see --help)");
          return EXIT_USER_ERROR;
        });
    return cli;
  }

  private static JtuneException userError(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof JtuneException j) return j;
    }
    return null;
  }

  /** Reports the version from the jar manifest (or "dev" when run from classes). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"jtune " + (v == null ? "dev" : v)};
    }
  }
}
