package dev.jtune.serve;

import dev.jtune.predict.Backend;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@code jtune score} does, validated once.
 *
 * @param model {@code exports/<name>} (newest version) or {@code exports/<name>/<version>}
 * @param in input CSV with a header line
 * @param out predictions CSV (input columns + label, score, one probability column per class)
 * @param rejects rows that could not be scored, with line and reason; null for {@code <out>.rejects.csv}
 * @param textCol the column holding the text
 * @param backend TF (the SavedModel) or ONNX (the exported ONNX file)
 * @param onnx the ONNX file; null for {@link ExportedModel#defaultOnnxFile()}
 * @param batchSize rows per model call
 * @param threads intra-op threads of the runtime, 0 for its default (all cores)
 * @param progress show a progress bar on stderr
 * @param force replace predictions and rejects files jtune wrote even when they were changed since
 */
public record ScoreConfig(
    Path model,
    Path in,
    Path out,
    Path rejects,
    String textCol,
    Backend backend,
    Path onnx,
    int batchSize,
    int threads,
    boolean progress,
    boolean force) {

  public ScoreConfig {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(textCol, "textCol");
    Objects.requireNonNull(backend, "backend");
    if (batchSize < 1 || batchSize > 4096) throw new dev.jtune.JtuneException("batch size must be 1..4096, got " + batchSize);
    if (threads < 0) throw new dev.jtune.JtuneException("threads must be >= 0, got " + threads);
    if (rejects == null) {
      String n = out.getFileName().toString();
      rejects = out.resolveSibling((n.endsWith(".csv") ? n.substring(0, n.length() - 4) : n) + ".rejects.csv");
    }
    if (rejects.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
      throw new dev.jtune.JtuneException(rejects + ": --rejects is the --out file; give them different paths");
    }
  }

  public static ScoreConfig of(Path model, Path in, Path out) {
    return new ScoreConfig(model, in, out, null, "text", Backend.TF, null, 32, 0, false, false);
  }

  public ScoreConfig withBackend(Backend b, Path onnxFile) {
    return new ScoreConfig(model, in, out, rejects, textCol, b, onnxFile, batchSize, threads, progress, force);
  }

  public ScoreConfig withBatchSize(int n) {
    return new ScoreConfig(model, in, out, rejects, textCol, backend, onnx, n, threads, progress, force);
  }

  public ScoreConfig withForce(boolean replace) {
    return new ScoreConfig(model, in, out, rejects, textCol, backend, onnx, batchSize, threads, progress, replace);
  }

  public ScoreConfig withTextCol(String c) {
    return new ScoreConfig(model, in, out, rejects, c, backend, onnx, batchSize, threads, progress, force);
  }
}
