package dev.jtune.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jtune.JtuneException;
import dev.jtune.data.LabeledText;
import dev.jtune.data.PreparedDataset;
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
  public record Request(Path run, Path dataset, String split, Path csv, String textCol, String labelCol, int batchSize) {
    public static Request dataset(Path run, Path dataset, String split, int batchSize) {
      return new Request(run, dataset, split, null, null, null, batchSize);
    }

    public static Request csv(Path run, Path csv, String textCol, String labelCol, int batchSize) {
      return new Request(run, null, null, csv, textCol, labelCol, batchSize);
    }
  }

  /** The report and where it was written. */
  public record Result(EvaluationReport report, Path json, Path markdown) {}

  private Evaluation() {}

  public static Result run(Request req) {
    Path modelDir = req.run().resolve("model");
    if (!Files.isDirectory(modelDir)) {
      throw new JtuneException(req.run() + ": no model/ folder; pass a run folder written by jtune train");
    }
    try (SavedModelClassifier classifier = SavedModelClassifier.load(modelDir)) {
      List<LabeledText> rows;
      String dataName, name;
      if (req.csv() != null) {
        rows = PreparedDataset.readLabeledCsv(req.csv(), classifier.labels(), req.textCol(), req.labelCol());
        dataName = req.csv().toString();
        name = stem(req.csv().getFileName().toString());
      } else {
        Path dataset = req.dataset() != null ? req.dataset() : datasetOfRun(req.run());
        PreparedDataset data = PreparedDataset.load(dataset);
        if (!data.labels().equals(classifier.labels())) {
          throw new JtuneException(dataset.resolve("labels.txt") + ": labels " + data.labels() + " differ from the model's "
              + classifier.labels() + "; evaluate on data with the model's labels");
        }
        rows = data.split(req.split());
        dataName = dataset + " (" + req.split() + ")";
        name = dataset.getFileName() + "-" + req.split();
      }
      if (rows.isEmpty()) throw new JtuneException(dataName + ": no labeled rows to evaluate");
      ClassificationMetrics m = classifier.evaluate(rows.stream().map(LabeledText::text).toList(),
          rows.stream().mapToInt(LabeledText::label).toArray(), req.batchSize());
      EvaluationReport report = new EvaluationReport(modelDir.toString(), dataName, name, m, Map.of());
      Path json = req.run().resolve("evaluation-" + name + ".json");
      Path md = req.run().resolve("evaluation-" + name + ".md");
      report.writeJson(json);
      report.writeMarkdown(md);
      ChartWriter.confusionHeatmap(req.run().resolve("evaluation-" + name + "-confusion.png"), "Confusion matrix: " + name,
          m.labels(), m.confusion());
      return new Result(report, json, md);
    }
  }

  /** The dataset a run trained on, from its config.json. */
  private static Path datasetOfRun(Path run) {
    Path f = run.resolve("config.json");
    try {
      JsonNode data = JsonFiles.MAPPER.readTree(f.toFile()).get("data");
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
