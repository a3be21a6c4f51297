package dev.jtune.cli;

import dev.jtune.baseline.BaselineReport;
import dev.jtune.baseline.BaselineResult;
import dev.jtune.baseline.BaselineSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jtune baseline}: the TF-IDF + logistic-regression baseline of a prepared dataset. */
@Command(
    name = "baseline",
    mixinStandardHelpOptions = true,
    description = {
      "Fit the classical baseline on a prepared dataset: TF-IDF over word 1-2 grams (lowercase, min_df 2, sublinear tf,",
      "smooth idf, L2 rows) + L2 logistic regression (liblinear), C chosen on the val split's macro-F1, scored on test.",
      "Writes metrics.json, report.md and confusion_matrix.png into --out, as a run's evaluation is written."
    })
public final class BaselineCommand implements Callable<Integer> {
  @Option(names = "--data", required = true, description = "Prepared dataset folder (train/val/test.csv, labels.txt).")
  Path data;

  @Option(names = "--out", description = "Folder to write (default: runs/baseline-<dataset name>); absent, empty or a baseline jtune wrote.")
  Path out;

  @Option(names = "--force", description = "Replace the baseline in --out even if it was changed since jtune wrote it (files you added are kept).")
  boolean force;

  @Option(names = "--c", split = ",", paramLabel = "C", defaultValue = "1,10",
      description = "Inverse regularisation strengths to try; the best on val macro-F1 is kept (default: ${DEFAULT-VALUE}).")
  List<Double> c;

  @Override
  public Integer call() {
    Path folder = out != null ? out : Path.of("runs", "baseline-" + data.toAbsolutePath().normalize().getFileName());
    BaselineReport.Written w = BaselineReport.write(data, folder, BaselineSettings.withC(c), force);
    BaselineResult r = w.result();
    for (BaselineResult.Candidate k : r.candidates()) {
      System.out.printf(Locale.ROOT, "C=%-6s val: accuracy %.4f  macro-F1 %.4f%s%n", BaselineSettings.formatC(k.c()), k.valAccuracy(),
          k.valMacroF1(), k.c() == r.chosenC() ? "  (chosen)" : "");
    }
    System.out.printf(Locale.ROOT, "test (C=%s):  accuracy %.4f  macro-F1 %.4f%n", BaselineSettings.formatC(r.chosenC()),
        r.test().accuracy(), r.test().macroF1());
    System.out.printf(Locale.ROOT, "baseline folder: %s (report.md, metrics.json) in %.1f s%n", folder, w.seconds());
    return 0;
  }
}
