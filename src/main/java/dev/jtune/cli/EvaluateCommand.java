package dev.jtune.cli;

import dev.jtune.eval.Evaluation;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jtune evaluate}: score a trained classifier on a labeled set and write a report. */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description = {
      "Evaluate the classifier of a training run on the test split of a prepared dataset or on any labeled CSV.",
      "Writes runs/<run>/evaluation-<name>.json and .md (accuracy, per-class precision/recall/F1, macro-F1, confusion matrix)",
      "and records them in the run's .jtune-manifest.json; a file of that name jtune did not write is never replaced."
    })
public final class EvaluateCommand implements Callable<Integer> {
  @Option(names = "--run", required = true, description = "Run folder written by jtune train (uses its model/).")
  Path run;

  @ArgGroup(exclusive = true)
  Source source;

  static final class Source {
    @Option(names = "--data", description = "Prepared dataset folder (default: the run's dataset).")
    Path data;

    @Option(names = "--csv", description = "Any labeled CSV file.")
    Path csv;
  }

  @Option(names = "--split", defaultValue = "test", description = "Split of --data to evaluate (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--text-col", defaultValue = "text", description = "Text column of --csv (default: ${DEFAULT-VALUE}).")
  String textCol;

  @Option(names = "--label-col", defaultValue = "label", description = "Label column of --csv (default: ${DEFAULT-VALUE}).")
  String labelCol;

  @Option(names = "--batch-size", defaultValue = "64", description = "Examples per batch (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--force", description = "Replace this evaluation's reports even if they were changed since jtune wrote them.")
  boolean force;

  @Override
  public Integer call() {
    Evaluation.Request req = source != null && source.csv != null
        ? Evaluation.Request.csv(run, source.csv, textCol, labelCol, batchSize)
        : Evaluation.Request.dataset(run, source == null ? null : source.data, split, batchSize);
    req = req.withForce(force);
    Evaluation.Result r = Evaluation.run(req);
    System.out.printf(Locale.ROOT, "%s: %d examples  accuracy %.4f  macro-F1 %.4f%n", r.report().data(),
        r.report().metrics().examples(), r.report().metrics().accuracy(), r.report().metrics().macroF1());
    Object baseline = r.report().extra().get(Evaluation.BASELINE_KEY);
    if (baseline != null) System.out.println(Evaluation.BASELINE_KEY + ": " + baseline);
    System.out.println("report: " + r.markdown() + " and " + r.json());
    return 0;
  }
}
