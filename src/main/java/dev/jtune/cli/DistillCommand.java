package dev.jtune.cli;

import dev.jtune.JtuneException;
import dev.jtune.train.TrainingConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jtune distill}: train a student classifier from a finished teacher run. A training run
 * whose config has a {@code distillation} group: the same run folder, reports and artifacts as
 * {@code jtune train}, and every train flag works here too.
 */
@Command(
    name = DistillCommand.NAME,
    mixinStandardHelpOptions = true,
    modelTransformer = TrainCommand.ConfigOptions.class,
    description = {
      "Distil a finished run (the teacher) into a student: another pretrained encoder (--student DIR) or the teacher's",
      "own encoder cut to K layers (--student-layers K). Loss: alpha * T^2 * KL(teacher || student) + (1 - alpha) * CE;",
      "the teacher's logits are computed once per train text and cached. Writes a run folder as jtune train does, with",
      "the teacher's scores, the student's and the speedup in report.md and metrics.json."
    })
public final class DistillCommand implements Callable<Integer> {
  static final String NAME = "distill";

  @Spec CommandSpec spec;

  @Option(names = "--out", description = "Run folder to create (default: runs/<student>-distilled-<data>). Must be absent or empty.")
  Path out;

  @Option(names = "--force", description = "Replace the finished jtune run in --out (files you added to it are kept).")
  boolean force;

  @Option(names = "--config", description = "JSON training config; its fields are those of jtune train --list-options.")
  Path config;

  @Option(names = "--resume", description = "Continue the interrupted run in --out from its last checkpoint.")
  boolean resume;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override any config field, e.g. --set distillation.temperature=4.")
  Map<String, String> set = new LinkedHashMap<>();

  @Option(names = "--no-progress", description = "Do not draw the progress bar.")
  boolean noProgress;

  @Override
  public Integer call() {
    Map<String, Object> o = TrainCommand.overrides(spec, set);
    Object teacher = o.get("distillation.teacher");
    if (teacher == null && config == null) throw new JtuneException("jtune distill needs --teacher RUN (a finished jtune train run)");
    boolean student = o.containsKey("model"), cut = o.containsKey("distillation.student_layers");
    if (student == cut && config == null) {
      throw new JtuneException("jtune distill needs one student: --student savedmodels/<encoder> or --student-layers K (the teacher's "
          + "encoder cut to K layers)");
    }
    // a cut student has no encoder folder of its own: model names the teacher run it comes from
    if (cut && !student && teacher != null) o.put("model", teacher.toString());
    TrainingConfig c = TrainingConfig.resolve(config, o);
    if (!c.distillation().on()) throw new JtuneException("jtune distill needs --teacher RUN (distillation.teacher is empty)");
    String studentName = c.distillation().studentLayers() > 0
        ? Path.of(c.distillation().teacher()).getFileName() + "-" + c.distillation().studentLayers() + "l"
        : String.valueOf(Path.of(c.model()).getFileName());
    Path run = out != null ? out : Path.of("runs", studentName + "-distilled-" + Path.of(c.data()).getFileName());
    return TrainCommand.runAndReport(c, run, resume, force, !noProgress, config);
  }
}
