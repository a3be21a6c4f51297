package dev.jtune.export;

import dev.jtune.JtuneException;
import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.predict.OnnxPredictor;
import dev.jtune.predict.SavedModelPredictor;
import dev.jtune.predict.TextClassifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code jtune bench export}: the same exported classifier and the same tokens through TF-Java on
 * the SavedModel and through ONNX Runtime on its model.onnx; batch-1 latency, batch latency and
 * throughput of each, and how far their probabilities are apart.
 */
public final class ExportBenchmark {
  /**
   * @param model an export version folder, or a model base whose highest version is taken
   * @param data prepared dataset whose texts are scored
   * @param split which split of it
   * @param limit at most this many examples (0 = all)
   * @param batchSize batch size of the batch pass
   */
  public record Config(Path model, Path data, String split, int limit, int batchSize) {
    public Config {
      if (limit < 0) throw new JtuneException("--limit must be >= 0, got " + limit);
      if (batchSize < 1) throw new JtuneException("--batch-size must be >= 1, got " + batchSize);
      if (split == null) split = "test";
    }
  }

  private ExportBenchmark() {}

  public static Map<String, Object> run(Config c, PrintWriter log) throws Exception {
    Path dir = versionDir(c.model());
    Path extra = dir.resolve(TextClassifier.EXPORT_ASSETS);
    if (!Files.isRegularFile(dir.resolve("saved_model.pb")) || !Files.isRegularFile(dir.resolve(ModelExporter.ONNX_FILE))) {
      throw new JtuneException(dir + ": needs both saved_model.pb and " + ModelExporter.ONNX_FILE + "; export with --format savedmodel,onnx");
    }
    ClassifierSpec spec = ClassifierSpec.readIn(extra);
    EvaluationSet set = EvaluationSet.fromDataset(c.data(), c.split(), extra.resolve(spec.tokenizer()), spec, c.limit());
    log.printf("bench export: %d examples of %s, batch %d%n", set.size(), set.source(), c.batchSize());
    ArtifactScores tf;
    try (SavedModelPredictor p = SavedModelPredictor.load(dir)) {
      tf = TimedScoring.score(p, set.tokenIds(), c.batchSize());
    }
    ArtifactScores ort;
    try (OnnxPredictor p = OnnxPredictor.load(dir.resolve(ModelExporter.ONNX_FILE), 0)) {
      ort = TimedScoring.score(p, set.tokenIds(), c.batchSize());
    }
    double maxDiff = 0;
    for (int i = 0; i < set.size(); i++) {
      for (int j = 0; j < tf.probabilities()[i].length; j++) maxDiff = Math.max(maxDiff, Math.abs(tf.probabilities()[i][j] - ort.probabilities()[i][j]));
    }
    double meanTokens = set.tokenIds().stream().mapToInt(t -> t.length).average().orElse(0);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("model", dir.toString());
    r.put("data", set.source());
    r.put("examples", set.size());
    r.put("mean_tokens", Math.round(meanTokens * 10) / 10.0);
    r.put("batch_size", c.batchSize());
    r.put("cpus", Runtime.getRuntime().availableProcessors());
    r.put("tensorflow_savedmodel", runtime(tf));
    r.put("onnxruntime", runtime(ort));
    r.put("onnxruntime_speedup_batch1", round(tf.batch1MsP50() / ort.batch1MsP50()));
    if (tf.batchMsP50() != null && ort.batchMsP50() != null) r.put("onnxruntime_speedup_batch", round(tf.batchMsP50() / ort.batchMsP50()));
    r.put("max_abs_diff_probabilities", maxDiff);
    return r;
  }

  private static Map<String, Object> runtime(ArtifactScores s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("latency_batch1_ms_p50", round(s.batch1MsP50()));
    if (s.batchMsP50() != null) m.put("latency_batch_ms_p50", round(s.batchMsP50()));
    m.put("examples_per_second", round(s.examplesPerSecond()));
    return m;
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  /** The folder itself if it is a version, else the highest integer version under it. */
  static Path versionDir(Path model) throws IOException {
    if (Files.isRegularFile(model.resolve("saved_model.pb")) || Files.isRegularFile(model.resolve(ModelExporter.ONNX_FILE))) return model;
    if (!Files.isDirectory(model)) throw new JtuneException(model + ": no such export; pass exports/<name>[/<version>]");
    try (Stream<Path> s = Files.list(model)) {
      List<Path> versions = s.filter(Files::isDirectory).filter(p -> p.getFileName().toString().matches("\\d{1,18}"))
          .sorted((a, b) -> Long.compare(Long.parseLong(a.getFileName().toString()), Long.parseLong(b.getFileName().toString()))).toList();
      if (versions.isEmpty()) throw new JtuneException(model + ": no version folders; run jtune export first");
      return versions.get(versions.size() - 1);
    }
  }
}
