package dev.jtune.cli;

import dev.jtune.artifact.JtuneJson;
import dev.jtune.io.ArtifactKind;
import dev.jtune.io.OutputFile;
import dev.jtune.io.ProtectedPaths;
import dev.jtune.export.ExportBenchmark;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jtune bench export}: TF-Java on the exported SavedModel vs ONNX Runtime on its model.onnx. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = "Latency and throughput of an exported classifier in TF-Java (SavedModel) and ONNX Runtime (model.onnx) "
        + "on the same tokens; prints JSON.")
public final class BenchExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, description = "Export folder: exports/<name>[/<version>] (default version: the highest).")
  Path model;

  @Option(names = "--data", required = true, description = "Prepared dataset whose texts are scored (datasets/<name>).")
  Path data;

  @Option(names = "--split", defaultValue = "test", description = "Split of --data (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--limit", defaultValue = "0", description = "At most N examples, 0 = the whole split (default).")
  int limit;

  @Option(names = "--batch-size", defaultValue = "32", description = "Batch size of the batch pass (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--out", description = "Also write the JSON report to this file. An existing file is replaced only when "
      + "jtune wrote it (recorded in a hidden .<name>.jtune-manifest.json beside it) and it is unchanged.")
  Path out;

  @Option(names = "--force", description = "Replace the --out report jtune wrote even if it was changed since.")
  boolean force;

  @Override
  public Integer call() throws Exception {
    // checked before the benchmark runs: a refused --out costs nothing
    OutputFile report = out == null ? null : OutputFile.claim(out, ArtifactKind.BENCH_REPORT, ProtectedPaths.of(model, data), force, "--out");
    var result = ExportBenchmark.run(new ExportBenchmark.Config(model, data, split, limit, batchSize), spec.commandLine().getErr());
    String json = JtuneJson.MAPPER.writeValueAsString(result);
    PrintWriter o = spec.commandLine().getOut();
    o.println(json);
    if (report != null) report.write(tmp -> Files.writeString(tmp, json + "\n", StandardCharsets.UTF_8));
    return 0;
  }
}
