package dev.jtune.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jtune.JtuneException;
import dev.jtune.artifact.JtuneJson;
import dev.jtune.artifact.RunLayout;
import dev.jtune.data.LabeledText;
import dev.jtune.data.PreparedDataset;
import dev.jtune.io.ArtifactKind;
import dev.jtune.io.FolderAdditions;
import dev.jtune.io.ProtectedPaths;
import dev.jtune.predict.TextClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Evaluates a run's trained classifier ({@code runs/<run>/model/}) on a split of a prepared dataset
 * or on any labeled CSV, and writes {@code runs/<run>/evaluation-<name>.{json,md}}.
 */
public final class Evaluation {
  /** What to evaluate: the run, and either a dataset split or a CSV with its column names. */
  public record Request(Path run, Path dataset, String split, Path csv, String textCol, String labelCol, int batchSize, boolean force) {
    public static Request dataset(Path run, Path dataset, String split, int batchSize) {
      return new Request(run, dataset, split, null, null, null, batchSize, false);
    }

    public static Request csv(Path run, Path csv, String textCol, String labelCol, int batchSize) {
      return new Request(run, null, null, csv, textCol, labelCol, batchSize, false);
    }

    /** The same request; with {@code replace}, reports jtune wrote but that were changed since are replaced too. */
    public Request withForce(boolean replace) {
      return new Request(run, dataset, split, csv, textCol, labelCol, batchSize, replace);
    }
  }

  /** The report and where it was written. */
  public record Result(EvaluationReport report, Path json, Path markdown) {}

  private Evaluation() {}

  public static Result run(Request req) {
    Path modelDir = new RunLayout(req.run()).modelDir();
    if (!Files.isDirectory(modelDir)) {
      throw new JtuneException(req.run() + ": no model/ folder; pass a run folder written by jtune train");
    }
    // what is read and written is settled before the model is loaded: a refused report costs nothing
    Path dataset = req.csv() != null ? null : req.dataset() != null ? req.dataset() : datasetOfRun(req.run());
    String name = req.csv() != null ? stem(req.csv().getFileName().toString()) : dataset.getFileName() + "-" + req.split();
    String json = "evaluation-" + name + ".json", md = "evaluation-" + name + ".md", png = "evaluation-" + name + "-confusion.png";
    FolderAdditions reports = FolderAdditions.claim(req.run(), ArtifactKind.RUN, List.of(json, md, png),
        ProtectedPaths.of(dataset, req.csv()), req.force());
    try (TextClassifier classifier = TextClassifier.load(modelDir)) {
      List<LabeledText> rows;
      String dataName;
      if (req.csv() != null) {
        rows = PreparedDataset.readLabeledCsv(req.csv(), classifier.labels(), req.textCol(), req.labelCol());
        dataName = req.csv().toString();
      } else {
        PreparedDataset data = PreparedDataset.load(dataset);
        if (!data.labels().equals(classifier.labels())) {
          throw new JtuneException(dataset.resolve("labels.txt") + ": labels " + data.labels() + " differ from the model's "
              + classifier.labels() + "; evaluate on data with the model's labels");
        }
        rows = data.split(req.split());
        dataName = dataset + " (" + req.split() + ")";
      }
      if (rows.isEmpty()) throw new JtuneException(dataName + ": no labeled rows to evaluate");
      ClassificationMetrics m = ClassificationMetrics.fromProbabilities(
          classifier.probabilities(rows.stream().map(LabeledText::text).toList(), req.batchSize()),
          rows.stream().mapToInt(LabeledText::label).toArray(), classifier.labels());
      Map<String, Object> extra = new java.util.LinkedHashMap<>();
      if (req.csv() == null && req.split().equals("test") && trainedOn(req.run(), dataset)) {
        baselineTest(req.run()).ifPresent(b -> extra.put(BASELINE_KEY, b));
      }
      EvaluationReport report = new EvaluationReport(modelDir.toString(), dataName, name, m, extra);
      report.writeJson(reports.file(json));
      report.writeMarkdown(reports.file(md));
      ChartWriter.confusionHeatmap(reports.file(png), "Confusion matrix: " + name, m.labels(), m.confusion());
      reports.record();
      return new Result(report, reports.file(json), reports.file(md));
    }
  }

  /** The report line that shows the baseline's test score beside the model's. */
  public static final String BASELINE_KEY = "baseline test macro-F1 (TF-IDF + logistic regression, at training time)";

  /**
   * The test scores of the baseline the run was compared with ({@code baseline} in its metrics.json),
   * e.g. {@code 0.9838 (accuracy 0.9864, C=10)}; empty when the run has none.
   */
  static java.util.Optional<String> baselineTest(Path run) {
    Path f = new RunLayout(run).metrics();
    try {
      JsonNode b = Files.isRegularFile(f) ? JtuneJson.MAPPER.readTree(f.toFile()).path("baseline") : null;
      if (b == null || !b.path("test").path("macro_f1").isNumber()) return java.util.Optional.empty();
      double c = b.path("c").asDouble();
      return java.util.Optional.of(String.format(java.util.Locale.ROOT, "%.4f (accuracy %.4f, C=%s)", b.at("/test/macro_f1").asDouble(),
          b.at("/test/accuracy").asDouble(), c == Math.rint(c) ? String.valueOf((long) c) : String.valueOf(c)));
    } catch (IOException e) {
      return java.util.Optional.empty(); // the comparison is extra; the evaluation itself does not need it
    }
  }

  /** Whether {@code dataset} is the folder the run trained on (the baseline's scores are of that data). */
  private static boolean trainedOn(Path run, Path dataset) {
    try {
      return Files.isSameFile(dataset, datasetOfRun(run));
    } catch (IOException | JtuneException e) {
      return false;
    }
  }

  /** The dataset a run trained on, from its config.json. */
  private static Path datasetOfRun(Path run) {
    Path f = new RunLayout(run).config();
    try {
      JsonNode data = JtuneJson.MAPPER.readTree(f.toFile()).get("data");
      if (data == null || !data.isTextual()) throw new JtuneException(f + ": no 'data' field; pass --data or --csv");
      return Path.of(data.asText());
    } catch (IOException e) {
      throw new JtuneException(f + ": cannot read the run's config (" + e.getMessage() + "); pass --data or --csv");
    }
  }

  private static String stem(String file) {
    int dot = file.lastIndexOf('.');
    return dot > 0 ? file.substring(0, dot) : file;
  }
}
