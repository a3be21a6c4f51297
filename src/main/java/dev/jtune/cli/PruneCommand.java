package dev.jtune.cli;

import dev.jtune.JtuneException;
import dev.jtune.artifact.RunLayout;
import dev.jtune.train.TrainingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jtune prune}: remove a share of a finished run's attention heads and feed-forward neurons,
 * then fine-tune what is left (the recovery) into a new run folder. The recovery run's config is the
 * source run's config.json with the pruning group set; train flags override it.
 */
@Command(
    name = PruneCommand.NAME,
    mixinStandardHelpOptions = true,
    modelTransformer = TrainCommand.ConfigOptions.class,
    description = {
      "Structured pruning: remove the least important attention heads (--heads F) and feed-forward neurons (--ffn F)",
      "of a finished run (importance = weight magnitude), then fine-tune the smaller model with the source run's recipe",
      "(train flags override it, e.g. --unfreeze all --epochs 1). --distill learns from the unpruned model too.",
      "Magnitude pruning: --sparsity F zeroes that share of the trained layer kernels while fine-tuning, on a",
      "polynomial schedule (--initial-sparsity, --begin-step, --end-step, --frequency).",
      "Writes a normal run folder; report.md and metrics.json compare it with the unpruned model."
    })
public final class PruneCommand implements Callable<Integer> {
  static final String NAME = "prune";

  @Spec CommandSpec spec;

  @Option(names = "--run", required = true, description = "The finished run to prune (runs/<run>).")
  Path source;

  @Option(names = "--out", description = "Run folder to create (default: <run>-pruned). Must be absent or empty.")
  Path out;

  @Option(names = "--distill", description = "Also learn from the unpruned model (it becomes the distillation teacher; "
      + "--set distillation.alpha=... and distillation.temperature=... tune it).")
  boolean distill;

  @Option(names = "--force", description = "Replace the finished jtune run in --out (files you added to it are kept).")
  boolean force;

  @Option(names = "--resume", description = "Continue the interrupted run in --out from its last checkpoint.")
  boolean resume;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override any config field, e.g. --set pruning.scope=layer.")
  Map<String, String> set = new LinkedHashMap<>();

  @Option(names = "--no-progress", description = "Do not draw the progress bar.")
  boolean noProgress;

  @Override
  public Integer call() {
    Path sourceConfig = source.resolve(RunLayout.CONFIG_FILE);
    if (!Files.isRegularFile(sourceConfig)) {
      throw new JtuneException("--run " + source + ": not a jtune run (no " + RunLayout.CONFIG_FILE + "); pass a run folder written by jtune train");
    }
    Map<String, Object> o = new LinkedHashMap<>();
    // the source's recipe, minus what made the source from something else
    o.put("init_from", "");
    o.put("distillation.teacher", distill ? source.toString() : "");
    o.put("distillation.student_layers", 0);
    o.put("distillation.unlabeled", "");
    o.put("distillation.labeled_fraction", 1.0);
    o.put("pruning.from", source.toString());
    o.putAll(TrainCommand.overrides(spec, set));
    TrainingConfig c = TrainingConfig.resolve(sourceConfig, o);
    if (c.pruning().heads() == 0 && c.pruning().ffn() == 0 && !c.pruning().magnitude()) {
      throw new JtuneException("jtune prune needs a budget: --heads F and/or --ffn F (fractions removed, e.g. --heads 0.3 --ffn 0.5), "
          + "or --sparsity F (magnitude pruning while fine-tuning, with --unfreeze all)");
    }
    Path run = out != null ? out : source.resolveSibling(source.getFileName() + "-pruned");
    return TrainCommand.runAndReport(c, run, resume, force, !noProgress, sourceConfig);
  }
}
