package dev.jtune.baseline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jtune.artifact.JtuneJson;
import dev.jtune.data.PreparedDataset;
import dev.jtune.eval.ChartWriter;
import dev.jtune.eval.EvaluationReport;
import dev.jtune.io.ArtifactKind;
import dev.jtune.io.AtomicFiles;
import dev.jtune.io.OutputFolder;
import dev.jtune.io.ProtectedPaths;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * {@code jtune baseline}: fits the baseline on a prepared dataset and writes its folder the way a
 * run's evaluation is written:
 *
 * <pre>
 * runs/baseline-&lt;dataset&gt;/metrics.json          settings, the val scores of every C, the chosen C, val and test metrics, timing
 *                         report.md             the same as tables (per class, confusion matrices)
 *                         confusion_matrix.png  test confusion matrix
 *                         .jtune-manifest.json  what was written
 * </pre>
 *
 * The folder is claimed before the data is read ({@link OutputFolder}): a folder jtune did not write,
 * or one holding another kind of output, is refused, and nothing is written until the fit is done.
 */
public final class BaselineReport {
  /** Where the report went and what it says. */
  public record Written(Path folder, BaselineResult result, double seconds) {}

  private BaselineReport() {}

  /** Fits the baseline on {@code dataDir} and writes {@code out} (replacing a changed jtune baseline there only with {@code force}). */
  public static Written write(Path dataDir, Path out, BaselineSettings settings, boolean force) {
    long t0 = System.nanoTime();
    OutputFolder target = OutputFolder.claim(out, ArtifactKind.BASELINE, ProtectedPaths.of(dataDir), force, "--out");
    PreparedDataset data = PreparedDataset.load(dataDir);
    BaselineResult result = TfidfLogisticRegression.fit(data, settings);
    double seconds = (System.nanoTime() - t0) / 1e9;
    target.write(dir -> {
      ObjectNode metrics = JtuneJson.MAPPER.createObjectNode();
      metrics.put("data", dataDir.toString());
      metrics.setAll((ObjectNode) JtuneJson.MAPPER.valueToTree(result));
      metrics.put("total_seconds", seconds);
      JtuneJson.write(dir.resolve("metrics.json"), metrics);
      AtomicFiles.writeString(dir.resolve("report.md"), markdown(dataDir, result, seconds));
      ChartWriter.confusionHeatmap(dir.resolve("confusion_matrix.png"), "Baseline test confusion matrix", result.test().labels(),
          result.test().confusion());
    });
    return new Written(out, result, seconds);
  }

  static String markdown(Path dataDir, BaselineResult r, double seconds) {
    String model = "TF-IDF + logistic regression (C=" + BaselineSettings.formatC(r.chosenC()) + ")";
    StringBuilder md = new StringBuilder("# Baseline: TF-IDF + logistic regression on `").append(dataDir).append("`\n\n");
    md.append("- method: ").append(r.method()).append('\n');
    md.append(String.format(Locale.ROOT, "- vocabulary: %,d terms", r.vocabulary()));
    if (r.trainRowsWithoutTerms() > 0) {
      md.append(String.format(Locale.ROOT, " (%d training texts hold none of them and are left out of the fit)", r.trainRowsWithoutTerms()));
    }
    md.append(String.format(Locale.ROOT, "%n- C chosen on validation macro-F1: %s%n- time: %.1f s (fit %.1f s)%n%n",
        BaselineSettings.formatC(r.chosenC()), seconds, r.fitSeconds()));
    md.append("| C | val macro-F1 | val accuracy |\n|---:|---:|---:|\n");
    for (BaselineResult.Candidate c : r.candidates()) {
      md.append(String.format(Locale.ROOT, "| %s%s | %.4f | %.4f |%n", BaselineSettings.formatC(c.c()), c.c() == r.chosenC() ? " (chosen)" : "",
          c.valMacroF1(), c.valAccuracy()));
    }
    md.append('\n').append(new EvaluationReport(model, dataDir.toString(), "test", r.test(), Map.of()).toMarkdown());
    md.append('\n').append(new EvaluationReport(model, dataDir.toString(), "val", r.validation(), Map.of()).toMarkdown());
    md.append("\n![confusion](confusion_matrix.png)\n");
    return md.toString();
  }
}
