package dev.jtune.serve;

import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Closes open batches when their timeout passes: {@link DynamicBatcher} schedules one action per
 * open batch and cancels it when the batch fills up first. {@link #system()} runs the actions on
 * the wall clock; tests drive them by hand, so that nothing they check depends on timing.
 */
public interface BatchTimer extends AutoCloseable {

  /** Runs {@code action} once after {@code delayMicros}; cancelling the returned future drops it. */
  Future<?> schedule(Runnable action, long delayMicros);

  /** Drops every pending action. */
  @Override
  void close();

  /** Actions on one daemon thread, after their delay on the system clock. */
  static BatchTimer system() {
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "batch-timeout");
              t.setDaemon(true);
              return t;
            });
    // a batch that fills up cancels its timeout: do not keep the cancelled ones queued
    executor.setRemoveOnCancelPolicy(true);
    return new BatchTimer() {
      @Override
      public Future<?> schedule(Runnable action, long delayMicros) {
        return executor.schedule(action, delayMicros, TimeUnit.MICROSECONDS);
      }

      @Override
      public void close() {
        executor.shutdownNow();
      }
    };
  }
}
