package dev.jtune.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/**
 * A {@link BatchTimer} the test drives: a batch's timeout runs when the test calls {@link #fire()},
 * never because time passed, so what a test sees does not depend on how fast the machine is.
 */
final class ManualBatchTimer implements BatchTimer {
  private final List<FutureTask<Void>> pending = new ArrayList<>();
  private final List<Long> delays = new ArrayList<>();

  @Override
  public synchronized Future<?> schedule(Runnable action, long delayMicros) {
    FutureTask<Void> task = new FutureTask<>(action, null);
    pending.add(task);
    delays.add(delayMicros);
    notifyAll();
    return task;
  }

  /** Runs every scheduled timeout not cancelled yet (on the calling thread); returns how many ran. */
  int fire() {
    List<FutureTask<Void>> due;
    synchronized (this) {
      due = new ArrayList<>(pending);
      pending.clear();
    }
    int ran = 0;
    for (FutureTask<Void> t : due) {
      if (t.isCancelled()) continue;
      t.run();
      ran++;
    }
    return ran;
  }

  /** The delay of every timeout scheduled so far, in order: one per batch that was opened to wait. */
  synchronized List<Long> delays() {
    return List.copyOf(delays);
  }

  /** Timeouts scheduled and neither run nor cancelled. */
  synchronized long waiting() {
    return pending.stream().filter(t -> !t.isCancelled()).count();
  }

  /** Blocks until {@code n} timeouts have been scheduled in all, i.e. until n batches opened to wait. */
  synchronized void awaitScheduled(int n) throws InterruptedException {
    while (delays.size() < n) wait();
  }

  @Override
  public void close() {}
}
