package dev.jtune.eval;

import dev.jtune.artifact.JtuneJson;
import dev.jtune.io.AtomicFiles;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The result of evaluating a trained classifier on one labeled set: what was evaluated (model,
 * data, split) and its {@link ClassificationMetrics}. Written as JSON for tools and as a markdown
 * table for people.
 */
public record EvaluationReport(
    String model, String data, String split, ClassificationMetrics metrics, Map<String, Object> extra) {

  public EvaluationReport {
    extra = extra == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(extra));
  }

  public void writeJson(Path file) {
    JtuneJson.write(file, this);
  }

  public void writeMarkdown(Path file) {
    AtomicFiles.writeString(file, toMarkdown());
  }

  /** A markdown section: headline metrics, the per-class table and the confusion matrix. */
  public String toMarkdown() {
    StringBuilder md = new StringBuilder();
    md.append("## Evaluation: ").append(split).append("\n\n");
    md.append("- model: `").append(model).append("`\n");
    md.append("- data: `").append(data).append("` (").append(metrics.examples()).append(" examples)\n");
    md.append(String.format(Locale.ROOT, "- accuracy: %.4f%n- macro-F1: %.4f%n", metrics.accuracy(), metrics.macroF1()));
    if (!Double.isNaN(metrics.loss())) md.append(String.format(Locale.ROOT, "- loss: %.4f%n", metrics.loss()));
    extra.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    md.append('\n').append(perClassTable(metrics)).append('\n').append(confusionTable(metrics));
    return md.toString();
  }

  public static String perClassTable(ClassificationMetrics m) {
    StringBuilder md = new StringBuilder("| class | precision | recall | F1 | support |\n|---|---:|---:|---:|---:|\n");
    for (ConfusionMatrix.ClassMetrics c : m.perClass()) {
      md.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.4f | %d |%n", c.label(), c.precision(), c.recall(), c.f1(), c.support()));
    }
    return md.toString();
  }

  /** Rows are true classes, columns predicted classes. */
  public static String confusionTable(ClassificationMetrics m) {
    List<String> labels = m.labels();
    StringBuilder md = new StringBuilder("| true \\ predicted |");
    labels.forEach(l -> md.append(' ').append(l).append(" |"));
    md.append("\n|---|").append("---:|".repeat(labels.size())).append('\n');
    for (int t = 0; t < labels.size(); t++) {
      md.append("| ").append(labels.get(t)).append(" |");
      for (int p = 0; p < labels.size(); p++) md.append(' ').append(m.confusion()[t][p]).append(" |");
      md.append('\n');
    }
    return md.toString();
  }
}
