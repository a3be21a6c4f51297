package dev.jtune.cli;

import dev.jtune.artifact.JtuneJson;
import dev.jtune.io.ArtifactKind;
import dev.jtune.io.OutputFile;
import dev.jtune.io.ProtectedPaths;
import dev.jtune.serve.BatchingConfig;
import dev.jtune.serve.ServeBenchmark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jtune bench serve}: REST serving vs offline batch scoring, and the memory of jtune score. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Serving throughput and p50/p99 latency of :classify with dynamic batching off and on (concurrent loopback "
            + "clients), the ratio to offline batch scoring, time and peak RSS of jtune serve under concurrent large "
            + ":predict bodies, and peak RSS of jtune score on a large CSV; prints JSON.")
public final class BenchServeCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "Exported classifier: exports/<name>[/<version>].")
  Path model;

  @Option(names = "--data", required = true, description = "CSV with the texts to send (e.g. datasets/spamassassin/test.csv).")
  Path data;

  @Option(names = "--text-col", defaultValue = "text", description = "Text column of --data (default: ${DEFAULT-VALUE}).")
  String textCol;

  @Option(names = "--clients", defaultValue = "32", description = "Concurrent HTTP clients (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--requests", defaultValue = "50", description = "Timed requests per client, one text each (default: ${DEFAULT-VALUE}).")
  int requests;

  @Option(names = "--max-batch-size", defaultValue = "32", description = "Batching pass: max_batch_size (default: ${DEFAULT-VALUE}).")
  int maxBatchSize;

  @Option(names = "--batch-timeout-micros", defaultValue = "5000", description = "Batching pass: batch_timeout_micros (default: ${DEFAULT-VALUE}).")
  long batchTimeoutMicros;

  @Option(names = "--num-batch-threads", defaultValue = "1", description = "Batching pass: num_batch_threads (default: ${DEFAULT-VALUE}).")
  int numBatchThreads;

  @Option(names = "--rss-rows", defaultValue = "100000", description = "Rows scored by jtune score for peak RSS; 0 skips it (default: ${DEFAULT-VALUE}).")
  int rssRows;

  @Option(
      names = "--large-bodies",
      defaultValue = "8",
      description = "Concurrent large :predict bodies sent to a child jtune serve, for time and peak RSS; 0 skips it (default: ${DEFAULT-VALUE}).")
  int largeBodies;

  @Option(names = "--large-body-mb", defaultValue = "15", description = "Size of each large body in MB (default: ${DEFAULT-VALUE}).")
  double largeBodyMb;

  @Option(names = "--work-dir", defaultValue = "target/bench", description = "Scratch folder: only hidden .*.jtune-tmp-* "
      + "folders of this run are made and removed in it (default: ${DEFAULT-VALUE}).")
  Path workDir;

  @Option(names = "--out", description = "Also write the JSON report to this file. An existing file is replaced only when "
      + "jtune wrote it (recorded in a hidden .<name>.jtune-manifest.json beside it) and it is unchanged.")
  Path out;

  @Option(names = "--force", description = "Replace the --out report jtune wrote even if it was changed since.")
  boolean force;

  @Override
  public Integer call() throws Exception {
    // checked before the benchmark runs: a refused --out or --work-dir costs nothing
    ProtectedPaths inputs = ProtectedPaths.of(model, data);
    OutputFile report = out == null ? null : OutputFile.claim(out, ArtifactKind.BENCH_REPORT, inputs, force, "--out");
    ServeBenchmark.checkWorkDir(workDir, inputs);
    BatchingConfig batching = new BatchingConfig(maxBatchSize, batchTimeoutMicros, numBatchThreads, 1_000, false);
    var config = new ServeBenchmark.Config(model, data, textCol, clients, requests, batching, rssRows, workDir, largeBodies, largeBodyMb);
    String json = JtuneJson.MAPPER.writeValueAsString(new ServeBenchmark(config, System.err).run());
    System.out.println(json);
    if (report != null) report.write(tmp -> Files.writeString(tmp, json + "\n", StandardCharsets.UTF_8));
    return 0;
  }
}
