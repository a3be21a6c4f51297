package dev.jtune.cli;

import dev.jtune.serve.BatchingConfig;
import dev.jtune.serve.ClientLimits;
import dev.jtune.serve.ServeConfig;
import dev.jtune.serve.TfServingServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jtune serve}: the TF-Serving-compatible REST server over a model base folder. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Serve every SavedModel under a TF Serving model base (<base>/<name>/<version>/) with TF Serving's REST API, "
            + "plus /healthz (liveness), /readyz (readiness), /metrics and a page on / to try the models in a browser. "
            + "New versions are picked up while running. "
            + "Stop with Ctrl-C (graceful).")
public final class ServeCommand implements Callable<Integer> {
  @Option(names = "--model-base", defaultValue = "exports", description = "Model base folder (default: ${DEFAULT-VALUE}).")
  Path modelBase;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}; 0.0.0.0 exposes it).")
  String host;

  @Option(names = "--port", defaultValue = "8501", description = "Port (default: ${DEFAULT-VALUE}, TF Serving's REST port).")
  int port;

  @Option(names = "--max-body-bytes", defaultValue = "16777216", description = "Largest request body; larger get 413 (default: ${DEFAULT-VALUE}).")
  long maxBodyBytes;

  @Option(
      names = "--max-request-elements",
      defaultValue = "4194304",
      description = "Most tensor elements one request may hold, all inputs together; more get 413 (default: ${DEFAULT-VALUE}).")
  long maxRequestElements;

  @Option(names = "--request-timeout-ms", defaultValue = "30000", description = "Per-request timeout; then 504 (default: ${DEFAULT-VALUE}).")
  long requestTimeoutMs;

  @Option(names = "--poll-seconds", defaultValue = "2", description = "How often to look for new versions; 0 = never (default: ${DEFAULT-VALUE}).")
  double pollSeconds;

  @Option(names = "--inference-threads", defaultValue = "2", description = "Parallel model calls with batching off (default: ${DEFAULT-VALUE}).")
  int inferenceThreads;

  @Option(names = "--intra-op-threads", defaultValue = "0", description = "TF intra-op threads per call; 0 = all cores (default).")
  int intraOpThreads;

  @Option(names = "--drain-seconds", defaultValue = "30", description = "On shutdown, time allowed for requests in flight (default: ${DEFAULT-VALUE}).")
  long drainSeconds;

  @Option(names = "--idle-timeout-ms", defaultValue = "30000", description = "Close a connection on which no byte moves for this long (default: ${DEFAULT-VALUE}).")
  long idleTimeoutMs;

  @Option(names = "--body-timeout-ms", defaultValue = "60000", description = "A request body must arrive in full within this time; else 408 (default: ${DEFAULT-VALUE}).")
  long bodyTimeoutMs;

  @Option(
      names = "--max-buffered-body-bytes",
      defaultValue = "268435456",
      description = "Request body bytes held in memory at once over all requests; beyond it 503 (default: ${DEFAULT-VALUE}).")
  long maxBufferedBodyBytes;

  @Option(names = "--enable-batching", description = "Merge concurrent requests into one model call (TF Serving's --enable_batching).")
  boolean batching;

  @Option(names = "--max-batch-size", defaultValue = "32", description = "Batching: most rows per model call (default: ${DEFAULT-VALUE}).")
  int maxBatchSize;

  @Option(names = "--batch-timeout-micros", defaultValue = "2000", description = "Batching: longest wait for a batch to fill (default: ${DEFAULT-VALUE}).")
  long batchTimeoutMicros;

  @Option(names = "--num-batch-threads", defaultValue = "2", description = "Batching: threads running batches (default: ${DEFAULT-VALUE}).")
  int numBatchThreads;

  @Option(names = "--max-enqueued-batches", defaultValue = "100", description = "Batching: waiting batches before 503 (default: ${DEFAULT-VALUE}).")
  int maxEnqueuedBatches;

  @Option(names = "--pad-variable-length-inputs", description = "Batching: zero-pad differing non-batch dimensions to merge requests.")
  boolean pad;

  @Override
  public Integer call() throws InterruptedException {
    BatchingConfig b =
        batching ? new BatchingConfig(maxBatchSize, batchTimeoutMicros, numBatchThreads, maxEnqueuedBatches, pad) : null;
    ServeConfig config =
        new ServeConfig(
            modelBase, host, port, maxBodyBytes, Duration.ofMillis(requestTimeoutMs),
            Duration.ofMillis(Math.round(pollSeconds * 1000)), b, inferenceThreads, intraOpThreads,
            Duration.ofSeconds(drainSeconds),
            new ClientLimits(Duration.ofMillis(idleTimeoutMs), Duration.ofMillis(bodyTimeoutMs), maxBufferedBodyBytes, maxRequestElements));
    TfServingServer server = TfServingServer.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                },
                "serve-shutdown"));
    System.out.printf("jtune serve: %s on http://%s:%d (Ctrl-C stops)%n", server.models().modelNames(), host, server.port());
    stopped.await();
    return 0;
  }
}
