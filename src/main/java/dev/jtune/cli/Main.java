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
      PredictCommand.class,
      ServeCommand.class,
      BenchCommand.class
    })
public final class Main implements Runnable {
  /** Exit code for errors the user can fix (bad input, wrong option). */
  public static final int EXIT_USER_ERROR = 2;

  /**
   * Log levels without --verbose: the INFO lines of DJL (native library found, flavor chosen) and of
   * the HTTP server (Javalin, Jetty start-up) go, their
   * warnings stay, except the CUDA probe's "Failed to detect GPU count" on a machine without a GPU.
   */
  static final java.util.Map<String, String> QUIET_LOGGERS = java.util.Map.of(
      "ai.djl", "warn", "ai.djl.util.cuda.CudaUtils", "error", "io.javalin", "warn", "org.eclipse.jetty", "warn");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(
      names = "--verbose",
      scope = CommandLine.ScopeType.INHERIT,
      description = "Also show the runtimes' own log lines (DJL's GPU probe, TensorFlow's INFO lines when launched by bin/jtune).")
  boolean verbose;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code (tests call this instead of {@link #main}). */
  public static int run(String... args) {
    // before the first logger exists: slf4j-simple reads its levels once
    if (!java.util.Arrays.asList(args).contains("--verbose")) quietLoggers();
    CommandLine cli = commandLine();
    String unknown = unknownCommand(cli, args);
    if (unknown != null) {
      cli.getErr().println("error: unknown command '" + unknown + "'; commands: " + String.join(", ", cli.getSubcommands().keySet()));
      return EXIT_USER_ERROR;
    }
    return cli.execute(args);
  }

  /**
   * The first argument when it is meant as a command but names none: picocli would otherwise
   * answer {@code jtune distil --help} with the top-level help and exit 0, so a script could not
   * tell a missing command from a present one.
   */
  static String unknownCommand(CommandLine cli, String... args) {
    int first = 0;
    while (first < args.length && args[first].equals("--verbose")) first++; // the one top-level option a command may follow
    if (first == args.length || args[first].startsWith("-")) return null;
    return cli.getSubcommands().containsKey(args[first]) ? null : args[first];
  }

  /** Sets the {@link #QUIET_LOGGERS} levels, unless the user set them (-Dorg.slf4j.simpleLogger.log.NAME=...). */
  static void quietLoggers() {
    QUIET_LOGGERS.forEach((logger, level) -> {
      String key = "org.slf4j.simpleLogger.log." + logger;
      if (System.getProperty(key) == null) System.setProperty(key, level);
    });
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
