package dev.jtune.serve;

/**
 * Dynamic batching knobs, named and defaulted as TF Serving's batching_parameters.
 *
 * @param maxBatchSize most rows merged into one model call; a request with more rows runs alone
 * @param batchTimeoutMicros longest a batch waits for more requests once its first one arrived
 * @param numBatchThreads threads running merged batches (parallel model calls)
 * @param maxEnqueuedBatches batches allowed to wait; when full a request is refused with 503
 * @param padVariableLengthInputs merge requests whose non-batch dimensions differ by zero-padding
 *     them to the longest (safe for masked inputs such as token ids; off by default as in TF Serving)
 */
public record BatchingConfig(
    int maxBatchSize,
    long batchTimeoutMicros,
    int numBatchThreads,
    int maxEnqueuedBatches,
    boolean padVariableLengthInputs) {

  public BatchingConfig {
    if (maxBatchSize < 1) throw new dev.jtune.JtuneException("max_batch_size must be >= 1, got " + maxBatchSize);
    if (batchTimeoutMicros < 0) throw new dev.jtune.JtuneException("batch_timeout_micros must be >= 0");
    if (numBatchThreads < 1) throw new dev.jtune.JtuneException("num_batch_threads must be >= 1");
    if (maxEnqueuedBatches < 1) throw new dev.jtune.JtuneException("max_enqueued_batches must be >= 1");
  }

  /** Defaults suited to a 2-4 core CPU host. */
  public static BatchingConfig defaults() {
    return new BatchingConfig(32, 2_000, 2, 100, false);
  }
}
