package dev.jtune.cli;

import dev.jtune.JtuneException;
import dev.jtune.io.ProtectedPaths;
import dev.jtune.train.TrainingConfig;
import dev.jtune.train.TrainingRun;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jtune train}: fine-tune a classifier on a prepared dataset into a run folder. The flags that
 * set a config field ({@link #CONFIG_FLAGS}) are made from the field's descriptor: its type and help
 * text are those of {@link TrainingConfig#describe()}, the text {@code --list-options} and the docs
 * show too.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    modelTransformer = TrainCommand.ConfigOptions.class,
    description = {
      "Fine-tune a classifier head (and optionally the top of the encoder) on a prepared dataset.",
      "Writes runs/<run>/: config.json, metrics.json, history.csv, report.md, provenance.json, PNG plots,",
      "checkpoints/ and model/ (the trained classifier as a SavedModel). Options override --config;",
      "--set KEY=VALUE overrides any field listed by --list-options."
    })
public final class TrainCommand implements Callable<Integer> {
  /**
   * A flag that sets one config field.
   *
   * @param paramLabel how the usage shows the value (null: {@code <flag name>}; unused for a boolean switch)
   * @param keyword null when the argument is the field's value; otherwise the one word the flag takes,
   *     which sets a boolean field to true ({@code --unfreeze all})
   * @param refusal the error for another word than {@code keyword}
   * @param off a switch that sets a boolean field to false ({@code --no-baseline})
   */
  record ConfigFlag(String name, String key, String paramLabel, String keyword, String refusal, boolean off) {
    static ConfigFlag of(String name, String key, String paramLabel) {
      return new ConfigFlag(name, key, paramLabel, null, null, false);
    }

    static ConfigFlag keyword(String name, String key, String keyword, String refusal) {
      return new ConfigFlag(name, key, keyword, keyword, refusal, false);
    }

    /** A switch that turns a boolean field (default true) off. */
    static ConfigFlag off(String name, String key) {
      return new ConfigFlag(name, key, null, null, null, true);
    }

    /** The field's value for the flag's argument. */
    Object value(Object argument) {
      if (off) return false;
      if (keyword == null) return argument;
      if (!keyword.equals(argument)) throw new JtuneException(refusal);
      return true;
    }

    OptionSpec option(TrainingConfig.Field field) {
      Class<?> type = keyword != null ? String.class : optionType(field.type());
      String shownDefault = field.defaultValue().replace("\"", "");
      String help = off ? "Do not " + field.help()
          : keyword != null ? "'" + keyword + "': " + field.help()
          : Character.toUpperCase(field.help().charAt(0)) + field.help().substring(1)
              + (shownDefault.isEmpty() ? "" : " (default " + shownDefault + ")");
      OptionSpec.Builder b = OptionSpec.builder(name).type(type).description(help + ".");
      if (type != Boolean.class) b.paramLabel(paramLabel != null ? paramLabel : "<" + name.substring(2) + ">");
      return b.build();
    }

    /** The option's type: the field's boxed type (so an absent flag stays null), names and paths as text. */
    private static Class<?> optionType(Class<?> fieldType) {
      if (fieldType == int.class) return Integer.class;
      if (fieldType == long.class) return Long.class;
      if (fieldType == double.class) return Double.class;
      if (fieldType == boolean.class) return Boolean.class;
      return String.class; // strings and registry names (pooling, schedule), checked by TrainingConfig.resolve
    }
  }

  /** Every flag that sets a config field, in the order its value is applied (before --set). */
  static final List<ConfigFlag> CONFIG_FLAGS = List.of(
      ConfigFlag.of("--model", "model", null),
      ConfigFlag.of("--data", "data", null),
      ConfigFlag.of("--init-from", "init_from", "RUN"),
      ConfigFlag.of("--unfreeze-top", "freeze.unfreeze_top", "K"),
      ConfigFlag.keyword("--unfreeze", "freeze.unfreeze_all", "all", "--unfreeze takes 'all' (use --unfreeze-top K for the top K layers)"),
      ConfigFlag.of("--train-embeddings", "freeze.train_embeddings", null),
      ConfigFlag.of("--encoder-dropout", "freeze.encoder_dropout", null),
      ConfigFlag.of("--epochs", "loop.epochs", null),
      ConfigFlag.of("--max-steps", "loop.max_steps", null),
      ConfigFlag.of("--batch-size", "loop.batch_size", null),
      ConfigFlag.of("--grad-accumulation", "loop.grad_accumulation", null),
      ConfigFlag.of("--seed", "loop.seed", null),
      ConfigFlag.of("--lr", "optimizer.learning_rate", null),
      ConfigFlag.of("--encoder-lr", "optimizer.encoder_learning_rate", null),
      ConfigFlag.of("--schedule", "schedule.kind", null),
      ConfigFlag.of("--warmup-steps", "schedule.warmup_steps", null),
      ConfigFlag.of("--warmup-ratio", "schedule.warmup_ratio", null),
      ConfigFlag.of("--pooling", "head.pooling", null),
      ConfigFlag.of("--dropout", "head.dropout", null),
      ConfigFlag.of("--wide-buckets", "head.wide_buckets", "N"),
      ConfigFlag.of("--wide-lr", "optimizer.wide_learning_rate", null),
      ConfigFlag.of("--max-seq-len", "tokens.max_seq_len", null),
      ConfigFlag.of("--truncation", "tokens.truncation", null),
      ConfigFlag.of("--head-tokens", "tokens.head_tokens", "N"),
      ConfigFlag.of("--eval-every", "validation.every_steps", "STEPS"),
      ConfigFlag.of("--patience", "validation.patience", null),
      ConfigFlag.off("--no-baseline", "report.baseline"),
      ConfigFlag.off("--no-tensorboard", "report.tensorboard"));

  /** The flags of {@code jtune distill}: the student's encoder and the distillation group, then those of train but --model. */
  static final List<ConfigFlag> DISTILL_FLAGS = Stream.concat(Stream.of(
      ConfigFlag.of("--teacher", "distillation.teacher", "RUN"),
      ConfigFlag.of("--student", "model", "DIR"),
      ConfigFlag.of("--student-layers", "distillation.student_layers", "K"),
      ConfigFlag.of("--layer-map", "distillation.layer_map", null),
      ConfigFlag.of("--temperature", "distillation.temperature", "T"),
      ConfigFlag.of("--alpha", "distillation.alpha", null),
      ConfigFlag.of("--unlabeled", "distillation.unlabeled", "FILE"),
      ConfigFlag.of("--unlabeled-text-col", "distillation.unlabeled_text_col", "NAME"),
      ConfigFlag.of("--labeled-fraction", "distillation.labeled_fraction", "F")),
      CONFIG_FLAGS.stream().filter(f -> !f.name().equals("--model"))).toList();

  /** The flags of {@code jtune prune}: the pruning budget, then those of train but --model and --init-from. */
  static final List<ConfigFlag> PRUNE_FLAGS = Stream.concat(Stream.of(
      ConfigFlag.of("--heads", "pruning.heads", "F"),
      ConfigFlag.of("--ffn", "pruning.ffn", "F"),
      ConfigFlag.of("--scope", "pruning.scope", null),
      ConfigFlag.of("--importance", "pruning.importance", null),
      ConfigFlag.of("--sparsity", "pruning.sparsity", "F"),
      ConfigFlag.of("--initial-sparsity", "pruning.initial_sparsity", "F"),
      ConfigFlag.of("--begin-step", "pruning.begin_step", "STEP"),
      ConfigFlag.of("--end-step", "pruning.end_step", "STEP"),
      ConfigFlag.of("--frequency", "pruning.frequency", "STEPS")),
      CONFIG_FLAGS.stream().filter(f -> !f.name().equals("--model") && !f.name().equals("--init-from"))).toList();

  /** The config flags of the command named {@code command}. */
  static List<ConfigFlag> flagsOf(String command) {
    return switch (command) {
      case DistillCommand.NAME -> DISTILL_FLAGS;
      case PruneCommand.NAME -> PRUNE_FLAGS;
      default -> CONFIG_FLAGS;
    };
  }

  /** Adds {@link #CONFIG_FLAGS} to the command, each made from its config field. */
  static final class ConfigOptions implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      Map<String, TrainingConfig.Field> fields = new LinkedHashMap<>();
      for (TrainingConfig.Field f : TrainingConfig.describe()) fields.put(f.key(), f);
      for (ConfigFlag flag : flagsOf(spec.name())) {
        TrainingConfig.Field field = fields.get(flag.key());
        if (field == null) throw new IllegalStateException(flag.name() + " names no config field: " + flag.key());
        spec.addOption(flag.option(field));
      }
      return spec;
    }
  }

  @Spec CommandSpec spec;

  @Option(names = "--out", description = "Run folder to create (default: runs/<model>-<data>). Must be absent or empty; "
      + "never the current folder, its parents or a folder holding an input.")
  Path out;

  @Option(names = "--force", description = "Replace the finished jtune run in --out (files you added to it are kept).")
  boolean force;

  @Option(names = "--config", description = "JSON training config; its fields are those of --list-options.")
  Path config;

  @Option(names = "--resume", description = "Continue the interrupted run in --out from its last checkpoint (the folder must hold a jtune run).")
  boolean resume;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override any config field, e.g. --set loss.label_smoothing=0.1.")
  Map<String, String> set = new LinkedHashMap<>();

  @Option(names = "--list-options", description = "Print every config field with its default and help, then exit.")
  boolean listOptions;

  @Option(names = "--no-progress", description = "Do not draw the progress bar.")
  boolean noProgress;

  @Override
  public Integer call() {
    if (listOptions) {
      TrainingConfig.describe().forEach(System.out::println);
      return 0;
    }
    TrainingConfig c = TrainingConfig.resolve(config, overrides(spec, set));
    Path run = out != null ? out : Path.of("runs", Path.of(c.model()).getFileName() + "-" + Path.of(c.data()).getFileName());
    return runAndReport(c, run, resume, force, !noProgress, config);
  }

  /** Runs {@code c} into {@code run} and prints the headline lines of train and distill. */
  static int runAndReport(TrainingConfig c, Path run, boolean resume, boolean force, boolean progress, Path configFile) {
    TrainingRun.Summary s = TrainingRun.run(c, run, resume, force, progress, ProtectedPaths.of(configFile));
    System.out.printf(Locale.ROOT, "validation (best): accuracy %.4f  macro-F1 %.4f%n", s.validation().accuracy(), s.validation().macroF1());
    System.out.printf(Locale.ROOT, "test:              accuracy %.4f  macro-F1 %.4f%n", s.test().accuracy(), s.test().macroF1());
    System.out.println("run folder: " + run + " (report.md, metrics.json, model/)");
    if (s.baselineVerdict() != null) System.out.println(s.baselineVerdict());
    return 0;
  }

  /** The config fields the flags set (dotted keys), then the --set ones, which win. */
  Map<String, Object> overrides() {
    return overrides(spec, set);
  }

  /** The config fields the flags of {@code spec}'s command set, then the --set ones, which win. */
  static Map<String, Object> overrides(CommandSpec spec, Map<String, String> set) {
    Map<String, Object> o = new LinkedHashMap<>();
    for (ConfigFlag flag : flagsOf(spec.name())) {
      Object value = spec.findOption(flag.name()).getValue();
      if (value != null) o.put(flag.key(), flag.value(value));
    }
    o.putAll(set);
    return o;
  }
}
