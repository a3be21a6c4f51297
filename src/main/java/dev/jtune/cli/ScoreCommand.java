package dev.jtune.cli;

import dev.jtune.serve.BatchScorer;
import dev.jtune.serve.ScoreConfig;
import dev.jtune.serve.ScoreReport;
import dev.jtune.JtuneException;
import dev.jtune.predict.Backend;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jtune score}: batch-score a CSV with an exported text classifier. */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    description =
        "Score a CSV of any size with an exported classifier: keeps the input columns and adds label, score and "
            + "prob_<label> per class; unscorable rows go to a rejects file with their reason.")
public final class ScoreCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "exports/<name> (newest version) or exports/<name>/<version>.")
  Path model;

  @Option(names = "--in", required = true, description = "Input CSV with a header line.")
  Path in;

  @Option(names = "--out", required = true, description = "Predictions CSV, written atomically. An existing file is replaced "
      + "only when jtune wrote it (recorded in a hidden .<name>.jtune-manifest.json beside it) and it is unchanged.")
  Path out;

  @Option(names = "--rejects", description = "Rejected rows CSV (line, reason, record), same rules as --out. Default: <out>.rejects.csv.")
  Path rejects;

  @Option(names = "--force", description = "Replace predictions and rejects files jtune wrote even if they were changed since.")
  boolean force;

  @Option(names = "--text-col", defaultValue = "text", description = "Column holding the text (default: ${DEFAULT-VALUE}).")
  String textCol;

  @Option(names = "--backend", defaultValue = "tf", converter = BackendName.class,
      description = "tf (the SavedModel, TF-Java) or onnx (ONNX Runtime). Default: ${DEFAULT-VALUE}.")
  Backend backend;

  @Option(names = "--onnx", description = "ONNX file for --backend onnx. Default: model.onnx in the version folder, else exports/<name>-onnx/<version>/model.onnx.")
  Path onnx;

  @Option(names = "--batch-size", defaultValue = "32", description = "Rows per model call (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--threads", defaultValue = "0", description = "Intra-op threads of the runtime; 0 = all cores (default).")
  int threads;

  @Option(names = "--no-progress", description = "Do not draw the progress bar.")
  boolean noProgress;

  @Override
  public Integer call() {
    ScoreConfig config = new ScoreConfig(model, in, out, rejects, textCol, backend, onnx, batchSize, threads, !noProgress, force);
    ScoreReport r = new BatchScorer(config).run();
    System.out.printf(
        "scored %d of %d rows in %.1f s (%.0f rows/s) -> %s%n", r.scored(), r.rows(), r.seconds(), r.rowsPerSecond(), r.out());
    System.out.printf("rejected %d rows %s -> %s%n", r.rejectedTotal(), r.rejected(), r.rejects());
    return 0;
  }

  /** Parses tf|onnx case-insensitively. */
  static final class BackendName implements picocli.CommandLine.ITypeConverter<Backend> {
    @Override
    public Backend convert(String value) {
      try {
        return Backend.parse(value);
      } catch (JtuneException e) {
        throw new picocli.CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
