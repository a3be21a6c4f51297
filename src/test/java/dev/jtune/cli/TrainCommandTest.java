package dev.jtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.JtuneException;
import dev.jtune.train.TrainingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** {@code jtune train}'s flags: made from the config's field descriptors, the same names and meanings as before. */
class TrainCommandTest {
  /** A parsed command line's command object. */
  private static TrainCommand parsed(String... args) {
    TrainCommand command = new TrainCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }

  private static Map<String, TrainingConfig.Field> fields() {
    Map<String, TrainingConfig.Field> out = new LinkedHashMap<>();
    TrainingConfig.describe().forEach(f -> out.put(f.key(), f));
    return out;
  }

  @Test
  void everyFlagOfBeforeIsStillThere() {
    Set<String> names = new CommandLine(new TrainCommand()).getCommandSpec().options().stream()
        .flatMap(o -> java.util.Arrays.stream(o.names())).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(List.of("-h", "--help", "-V", "--version", "--model", "--data", "--out", "--force", "--config",
        "--resume", "--init-from", "--unfreeze-top", "--unfreeze", "--train-embeddings", "--encoder-dropout", "--epochs",
        "--max-steps", "--batch-size", "--grad-accumulation", "--lr", "--encoder-lr", "--schedule", "--warmup-steps",
        "--warmup-ratio", "--pooling", "--dropout", "--wide-buckets", "--wide-lr", "--max-seq-len", "--truncation", "--head-tokens",
        "--seed", "--eval-every", "--patience", "--set", "--list-options", "--no-progress", "--no-baseline", "--no-tensorboard")), names);
  }

  @Test
  void eachConfigFlagSetsItsFieldAndSetWinsOverFlags() {
    TrainCommand c = parsed("--model", "m", "--data", "d", "--init-from", "runs/a", "--unfreeze-top", "2", "--encoder-dropout", "0.2",
        "--epochs", "4", "--max-steps", "90", "--batch-size", "8", "--grad-accumulation", "3", "--seed", "7", "--lr", "0.01",
        "--encoder-lr", "1e-4", "--schedule", "cosine", "--warmup-steps", "5", "--warmup-ratio", "0.1", "--pooling", "cls",
        "--dropout", "0.3", "--max-seq-len", "64", "--truncation", "head+tail", "--head-tokens", "20", "--eval-every", "20", "--patience", "2", "--set", "loop.seed=9");
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("model", "m");
    expected.put("data", "d");
    expected.put("init_from", "runs/a");
    expected.put("freeze.unfreeze_top", 2);
    expected.put("freeze.encoder_dropout", 0.2);
    expected.put("loop.epochs", 4);
    expected.put("loop.max_steps", 90L);
    expected.put("loop.batch_size", 8);
    expected.put("loop.grad_accumulation", 3);
    expected.put("loop.seed", "9");
    expected.put("optimizer.learning_rate", 0.01);
    expected.put("optimizer.encoder_learning_rate", 1e-4);
    expected.put("schedule.kind", "cosine");
    expected.put("schedule.warmup_steps", 5);
    expected.put("schedule.warmup_ratio", 0.1);
    expected.put("head.pooling", "cls");
    expected.put("head.dropout", 0.3);
    expected.put("tokens.max_seq_len", 64);
    expected.put("tokens.truncation", "head+tail");
    expected.put("tokens.head_tokens", 20);
    expected.put("validation.every_steps", 20);
    expected.put("validation.patience", 2);
    assertEquals(expected, c.overrides());
    assertEquals(Map.of(), parsed().overrides(), "an absent flag leaves its field alone");
    assertEquals(Map.of("freeze.unfreeze_all", true, "freeze.train_embeddings", true),
        parsed("--unfreeze", "all", "--train-embeddings").overrides());
    assertEquals(Map.of("report.baseline", false), parsed("--no-baseline").overrides(), "a switch that turns its field off");
    JtuneException e = assertThrows(JtuneException.class, () -> parsed("--unfreeze", "top").overrides());
    assertEquals("--unfreeze takes 'all' (use --unfreeze-top K for the top K layers)", e.getMessage());
  }

  @Test
  void aConfigFlagsHelpIsItsFieldsHelpAndDefault() {
    Map<String, TrainingConfig.Field> fields = fields();
    CommandLine cli = new CommandLine(new TrainCommand());
    for (TrainCommand.ConfigFlag flag : TrainCommand.CONFIG_FLAGS) {
      OptionSpec option = cli.getCommandSpec().findOption(flag.name());
      String description = String.join(" ", option.description());
      TrainingConfig.Field field = fields.get(flag.key());
      String help = field.help();
      assertTrue(description.toLowerCase(java.util.Locale.ROOT).contains(help.toLowerCase(java.util.Locale.ROOT)),
          flag.name() + ": " + description);
      String shown = field.defaultValue().replace("\"", "");
      if (flag.keyword() == null && !flag.off() && !shown.isEmpty()) assertTrue(description.endsWith("(default " + shown + ")."), description);
    }
    String schedule = String.join(" ", cli.getCommandSpec().findOption("--schedule").description());
    assertTrue(schedule.contains("cosine = half a cosine"), "a registered schedule shows up in --schedule's help: " + schedule);
  }

  /** docs/training.md names every option of jtune train in its Options paragraph. */
  @Test
  void docsNameEveryOption() throws Exception {
    String docs = Files.readString(Path.of("docs/training.md"));
    int from = docs.indexOf("Options: ");
    String paragraph = docs.substring(from, docs.indexOf("\n\n", from));
    for (OptionSpec o : new CommandLine(new TrainCommand()).getCommandSpec().options()) {
      if (o.usageHelp() || o.versionHelp()) continue;
      assertTrue(paragraph.contains("`" + o.longestName()), "docs/training.md's Options paragraph lacks " + o.longestName());
    }
  }
}
