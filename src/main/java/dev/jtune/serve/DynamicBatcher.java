package dev.jtune.serve;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Merges requests that arrive together into one model call, as TF Serving's basic batch scheduler
 * does: requests for the same version, signature and row shape join an open batch; a batch closes
 * when it holds {@code max_batch_size} rows or its first request has waited {@code
 * batch_timeout_micros}; {@code num_batch_threads} threads run closed batches and split the
 * outputs back by rows (a padded batch runs as groups of rows of similar length); at most {@code
 * max_enqueued_batches} batches wait per queue, beyond which a
 * request is refused with 503. Timeouts come from a {@link BatchTimer}: the wall clock when
 * serving, driven by hand in tests.
 */
public final class DynamicBatcher implements ModelRunner {
  private final BatchingConfig config;
  private final ServingMetrics metrics;
  private final BatchTimer timer;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  // insertion-ordered so queues are served round robin-ish, oldest first
  private final Map<QueueKey, Queue> queues = new LinkedHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private boolean closing;

  private record QueueKey(ServableVersion version, String signature, String shape) {}

  private record Task(
      Map<String, HostTensor> inputs, int rows, CompletableFuture<Map<String, HostTensor>> result) {}

  private static final class Batch {
    final List<Task> tasks = new ArrayList<>();
    int rows;
    // marks the batch due once its first request has waited batch_timeout_micros; null for one that never waits
    Future<?> timeout;
    // due: a batch thread takes it as soon as one is free; until then later requests still join it (as in TF Serving)
    boolean due;
  }

  private static final class Queue {
    Batch open;
    final Deque<Batch> closed = new ArrayDeque<>();
  }

  /** A batcher whose batch timeouts run on the system clock. */
  public DynamicBatcher(BatchingConfig config, ServingMetrics metrics) {
    this(config, metrics, BatchTimer.system());
  }

  /** A batcher whose batch timeouts are run by {@code timer} (closed with the batcher). */
  public DynamicBatcher(BatchingConfig config, ServingMetrics metrics, BatchTimer timer) {
    this.config = config;
    this.metrics = metrics;
    this.timer = timer;
    for (int i = 0; i < config.numBatchThreads(); i++) {
      Thread t = new Thread(this::work, "batch-" + (i + 1));
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
  }

  public BatchingConfig config() {
    return config;
  }

  @Override
  public CompletableFuture<Map<String, HostTensor>> submit(
      ServableVersion version, String signature, Map<String, HostTensor> inputs, boolean paddable) {
    CompletableFuture<Map<String, HostTensor>> result = new CompletableFuture<>();
    long rows = rows(inputs);
    String shape = rows < 0 ? null : shapeKey(inputs, paddable || config.padVariableLengthInputs());
    lock.lock();
    try {
      if (closing) throw new ApiException(503, "Server is shutting down");
      // scalars or mismatched dimension 0 cannot be merged; oversized requests run alone
      boolean alone = rows < 0 || rows >= config.maxBatchSize();
      QueueKey key = new QueueKey(version, signature, alone ? "alone:" + System.identityHashCode(result) : shape);
      Queue q = queues.computeIfAbsent(key, k -> new Queue());
      Task task = new Task(inputs, (int) Math.max(rows, 1), result);
      if (q.open != null && q.open.rows + task.rows > config.maxBatchSize()) closeOpen(q);
      if (q.open == null) {
        if (q.closed.size() >= config.maxEnqueuedBatches()) {
          throw new ApiException(503, "The batch scheduling queue to which this task was submitted is full");
        }
        Batch opened = new Batch();
        q.open = opened;
        if (!alone) opened.timeout = timer.schedule(() -> timedOut(key, opened), config.batchTimeoutMicros());
      }
      q.open.tasks.add(task);
      q.open.rows += task.rows;
      if (alone || q.open.rows >= config.maxBatchSize()) closeOpen(q);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    return result;
  }

  /** Moves the open batch of {@code q} to its closed ones; its timeout is no longer needed. */
  private static void closeOpen(Queue q) {
    if (q.open.timeout != null) q.open.timeout.cancel(false);
    q.closed.add(q.open);
    q.open = null;
  }

  /** The timeout of {@code batch}: makes it due unless it was closed (or taken) already. */
  private void timedOut(QueueKey key, Batch batch) {
    lock.lock();
    try {
      Queue q = queues.get(key);
      if (q != null && q.open == batch) {
        batch.due = true;
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  private static long rows(Map<String, HostTensor> inputs) {
    long n = -2;
    for (HostTensor t : inputs.values()) {
      long b = t.batchSize();
      if (b <= 0 || (n != -2 && b != n)) return -1;
      n = b;
    }
    return n;
  }

  private static String shapeKey(Map<String, HostTensor> inputs, boolean pad) {
    StringBuilder sb = new StringBuilder();
    for (var e : inputs.entrySet()) {
      sb.append(e.getKey()).append(':').append(e.getValue().dtype()).append(':');
      sb.append(pad ? "rank" + e.getValue().rank() : e.getValue().rowShapeKey()).append(';');
    }
    return (pad ? "pad;" : "") + sb;
  }

  private void work() {
    while (true) {
      QueueKey key;
      Batch batch;
      lock.lock();
      try {
        Map.Entry<QueueKey, Batch> next;
        while ((next = nextBatch()) == null) {
          if (closing && queues.isEmpty()) return;
          try {
            changed.await();
          } catch (InterruptedException e) {
            return;
          }
        }
        key = next.getKey();
        batch = next.getValue();
      } finally {
        lock.unlock();
      }
      run(key, batch);
    }
  }

  /** A closed (full) batch, or an open one whose timeout passed (or any open one when closing). */
  private Map.Entry<QueueKey, Batch> nextBatch() {
    var it = queues.entrySet().iterator();
    while (it.hasNext()) {
      var e = it.next();
      Queue q = e.getValue();
      if (q.closed.isEmpty() && q.open != null && (closing || q.open.due)) closeOpen(q);
      Batch b = q.closed.poll();
      if (q.open == null && q.closed.isEmpty()) it.remove();
      if (b != null) return Map.entry(e.getKey(), b);
    }
    return null;
  }

  private void run(QueueKey key, Batch batch) {
    if (batch.tasks.size() > 1 && key.shape().startsWith("pad;")) {
      // padding every row to the batch's longest wastes most of the work on mixed lengths:
      // run groups of similar length instead (what offline scoring gets by sorting)
      List<Task> sorted = new ArrayList<>(batch.tasks);
      sorted.sort(java.util.Comparator.comparingLong(DynamicBatcher::rowCells));
      Batch group = null;
      long first = 0;
      for (Task t : sorted) {
        long cells = rowCells(t);
        if (group == null || cells > first * PAD_GROUP_RATIO) {
          if (group != null) runMerged(key, group);
          group = new Batch();
          first = Math.max(1, cells);
        }
        group.tasks.add(t);
        group.rows += t.rows();
      }
      runMerged(key, group);
      return;
    }
    runMerged(key, batch);
  }

  /** Longest a padded row may be relative to the shortest row of its group. */
  private static final double PAD_GROUP_RATIO = 1.5;

  /** Elements per row of a task (its sequence length for token inputs). */
  private static long rowCells(Task t) {
    HostTensor first = t.inputs().values().iterator().next();
    return first.elementCount() / Math.max(1, first.batchSize());
  }

  private void runMerged(QueueKey key, Batch batch) {
    try {
      List<Task> tasks = batch.tasks;
      metrics.batch(key.version().name(), batch.rows);
      if (tasks.size() == 1) {
        tasks.get(0).result().complete(key.version().run(key.signature(), tasks.get(0).inputs()));
        return;
      }
      Map<String, HostTensor> merged = new LinkedHashMap<>();
      boolean pad = key.shape().startsWith("pad;");
      for (String name : tasks.get(0).inputs().keySet()) {
        List<HostTensor> parts = new ArrayList<>(tasks.size());
        for (Task t : tasks) parts.add(t.inputs().get(name));
        merged.put(name, HostTensor.concat(parts, pad));
      }
      Map<String, HostTensor> out = key.version().run(key.signature(), merged);
      for (var e : out.entrySet()) {
        if (e.getValue().batchSize() != batch.rows) {
          throw new ApiException(
              400, "output '" + e.getKey() + "' has no batch dimension of " + batch.rows + " rows, so requests cannot be batched; run this model with batching off");
        }
      }
      int offset = 0;
      for (Task t : tasks) {
        Map<String, HostTensor> mine = new LinkedHashMap<>();
        for (var e : out.entrySet()) mine.put(e.getKey(), e.getValue().rows(offset, offset + t.rows()));
        offset += t.rows();
        t.result().complete(mine);
      }
    } catch (RuntimeException | Error e) {
      for (Task t : batch.tasks) t.result().completeExceptionally(e);
    }
  }

  /** Runs every batch already accepted, then stops the batch threads. */
  @Override
  public void close() {
    lock.lock();
    try {
      closing = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      for (Thread t : threads) t.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      timer.close();
    }
  }
}
