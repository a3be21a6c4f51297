package dev.jtune.serve;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** One model call per request on a fixed pool of inference threads (batching off). */
public final class DirectRunner implements ModelRunner {
  private final ExecutorService pool;
  private final ServingMetrics metrics;

  public DirectRunner(int threads, ServingMetrics metrics) {
    AtomicInteger n = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "inference-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.metrics = metrics;
  }

  @Override
  public CompletableFuture<Map<String, HostTensor>> submit(
      ServableVersion version, String signature, Map<String, HostTensor> inputs, boolean paddable) {
    return CompletableFuture.supplyAsync(
        () -> {
          Map<String, HostTensor> out = version.run(signature, inputs);
          long rows = inputs.values().iterator().next().batchSize();
          metrics.batch(version.name(), Math.max(rows, 1));
          return out;
        },
        pool);
  }

  @Override
  public void close() {
    pool.shutdown();
    try {
      pool.awaitTermination(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
