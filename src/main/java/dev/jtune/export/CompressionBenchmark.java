package dev.jtune.export;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jtune.JtuneException;
import dev.jtune.artifact.JtuneJson;
import dev.jtune.artifact.RunLayout;
import dev.jtune.io.CompressedSize;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The table that compares compressed models: for each finished run (a teacher, a student, pruned
 * runs, ...), its size in every export format (raw and gzip-compressed), its speed in every runtime
 * on the same test texts (batched examples/s and batch-1 p50 latency, measured by the export's own
 * parity pass), its label agreement with its own TensorFlow graph, and its recorded validation and
 * test macro-F1 and the time it took to produce. Each run is exported into a temporary folder that
 * is deleted afterwards; the runs themselves are only read.
 */
public final class CompressionBenchmark {
  /**
   * @param formats export formats, as {@code jtune export --format} takes them
   * @param limit test examples scored per runtime (0 = the whole split)
   */
  public record Config(List<Path> runs, Path data, String formats, int limit, int batchSize) {
    public Config {
      if (runs.isEmpty()) throw new JtuneException("give at least one --run");
      if (limit < 0) throw new JtuneException("--limit must be >= 0, got " + limit);
      runs = List.copyOf(runs);
    }
  }

  private CompressionBenchmark() {}

  /** One JSON object per run, in the order given. */
  public static List<Map<String, Object>> run(Config c, PrintWriter log) throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Path run : c.runs()) {
      RunLayout.finished(run); // a clear error for a folder that is not a finished run
      JsonNode metrics = JtuneJson.MAPPER.readTree(Files.readString(run.resolve(RunLayout.METRICS_FILE)));
      TrainedRun trained = TrainedRun.load(run);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("run", run.toString());
      row.put("encoder_layers", trained.config().numHiddenLayers());
      row.put("encoder_parameters", trained.config().parameterCount());
      row.put("val_macro_f1", metrics.at("/validation/macro_f1").asDouble());
      row.put("test_macro_f1", metrics.at("/test/macro_f1").asDouble());
      row.put("seconds_to_produce", metrics.at("/timing/total_seconds").asDouble());
      Path tmp = Files.createTempDirectory("jtune-bench-compress");
      try {
        ExportConfig ec = ExportConfig.builder(run).baseDir(tmp).formats(ExportFormat.parseList(c.formats()))
            .parity(true).data(c.data()).split("test").limit(c.limit()).batchSize(c.batchSize()).build();
        log.printf("bench compress: exporting and timing %s%n", run);
        ModelExporter.Result r = ModelExporter.export(ec, new PrintWriter(new StringWriter()));
        List<Map<String, Object>> artifacts = new ArrayList<>();
        for (ExportReport.Artifact a : r.report().artifacts()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("artifact", a.artifact());
          m.put("runtime", a.runtime());
          Path file = a.file() == null ? null : r.versionDir().resolve(a.file());
          long[] sizes = file == null || !Files.exists(file) ? null
              : Files.isDirectory(file) ? CompressedSize.ofFolder(file) : CompressedSize.ofFile(file);
          if (a.artifact().equals("savedmodel")) sizes = CompressedSize.ofFolder(r.versionDir().resolve("variables"));
          if (sizes != null) {
            m.put("bytes", sizes[0]);
            m.put("gzip_bytes", sizes[1]);
          }
          m.put("examples_per_second", a.examplesPerSecond());
          m.put("latency_batch1_ms_p50", a.batch1MsP50());
          m.put("label_agreement", a.labelAgreement());
          m.put("test_macro_f1_on_sample", a.macroF1());
          artifacts.add(m);
        }
        row.put("examples", r.report().examples());
        row.put("artifacts", artifacts);
      } finally {
        deleteTree(tmp); // written here, by this run, and nothing else
      }
      rows.add(row);
    }
    return rows;
  }

  /** The rows as a markdown table: one line per run and artifact. */
  public static String markdown(List<Map<String, Object>> rows) {
    StringBuilder md = new StringBuilder("| run | layers | encoder params | artifact | runtime | MB | gzip MB | ex/s | batch-1 p50 ms | agree | val macro-F1 | test macro-F1 | time to produce |\n"
        + "|---|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> r : rows) {
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> arts = (List<Map<String, Object>>) r.get("artifacts");
      for (Map<String, Object> a : arts) {
        md.append(String.format(Locale.ROOT, "| %s | %s | %,d | %s | %s | %s | %s | %s | %s | %s | %.4f | %.4f | %.0f s |%n",
            Path.of((String) r.get("run")).getFileName(), r.get("encoder_layers"), (Long) r.get("encoder_parameters"), a.get("artifact"),
            a.get("runtime"), mb(a.get("bytes")), mb(a.get("gzip_bytes")), num(a.get("examples_per_second"), "%.1f"),
            num(a.get("latency_batch1_ms_p50"), "%.1f"), num(a.get("label_agreement"), "%.3f"), (Double) r.get("val_macro_f1"),
            (Double) r.get("test_macro_f1"), (Double) r.get("seconds_to_produce")));
      }
    }
    return md.toString();
  }

  private static String mb(Object bytes) {
    return bytes == null ? "-" : String.format(Locale.ROOT, "%.1f", ((Number) bytes).longValue() / 1e6);
  }

  private static String num(Object v, String fmt) {
    return v == null ? "-" : String.format(Locale.ROOT, fmt, ((Number) v).doubleValue());
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
