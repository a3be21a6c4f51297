package dev.jtune.cli;

import dev.jtune.artifact.JtuneJson;
import dev.jtune.export.CompressionBenchmark;
import dev.jtune.io.ArtifactKind;
import dev.jtune.io.OutputFile;
import dev.jtune.io.ProtectedPaths;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jtune bench compress}: size, speed and quality of several runs (teacher, students, pruned) side by side. */
@Command(
    name = "compress",
    mixinStandardHelpOptions = true,
    description = "Export each --run (to a temporary folder) and measure, on the same test texts, every artifact's size "
        + "(raw and gzip), batched examples/s and batch-1 p50 latency in its runtime, and label agreement; with each run's "
        + "val/test macro-F1 and time to produce. Prints JSON (one object per run).")
public final class BenchCompressCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--run", required = true, description = "A finished run; repeat for each model to compare.")
  List<Path> runs = new ArrayList<>();

  @Option(names = "--data", required = true, description = "Prepared dataset whose test split is scored (datasets/<name>).")
  Path data;

  @Option(names = "--format", defaultValue = "savedmodel,onnx", description = "Export formats to measure (default: ${DEFAULT-VALUE}; "
      + "tflite adds the LiteRT.js variants, slow on long texts).")
  String formats;

  @Option(names = "--limit", defaultValue = "300", description = "Test examples scored per artifact, 0 = all (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--batch-size", defaultValue = "32", description = "Batch size of the batched pass (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--markdown", description = "Also write the table as markdown to this file (replaced only if jtune wrote it).")
  Path markdown;

  @Override
  public Integer call() throws Exception {
    List<Path> inputs = new ArrayList<>(runs);
    inputs.add(data);
    OutputFile md = markdown == null ? null
        : OutputFile.claim(markdown, ArtifactKind.BENCH_REPORT, ProtectedPaths.of(inputs.toArray(Path[]::new)), false, "--markdown");
    var rows = CompressionBenchmark.run(new CompressionBenchmark.Config(runs, data, formats, limit, batchSize), spec.commandLine().getErr());
    PrintWriter out = spec.commandLine().getOut();
    out.println(JtuneJson.MAPPER.writeValueAsString(rows));
    if (md != null) md.write(tmp -> Files.writeString(tmp, CompressionBenchmark.markdown(rows), StandardCharsets.UTF_8));
    return 0;
  }
}
