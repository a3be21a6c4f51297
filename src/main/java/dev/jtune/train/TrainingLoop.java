package dev.jtune.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Session;

/**
 * The epoch/step loop: micro-batches in the plan's order, an optimizer step every {@code
 * accumulation} of them (and at the end of each epoch), the listeners after each, and the
 * checkpoint they asked for written once per step. Everything else is a part with a name: the
 * batches ({@link BatchPlan}), one micro-batch ({@link TrainingStep}), the bookkeeping ({@link
 * TrainingProgress}), validation, early stopping and periodic checkpoints ({@link TrainingListener}s)
 * and the divergence check ({@link DivergenceGuard}).
 */
final class TrainingLoop {
  private final BatchPlan plan;
  private final TrainingGraph graph;
  private final TrainingStep step;
  private final List<TrainingListener> listeners;
  private final DivergenceGuard guard;
  private final Session session;
  private final CheckpointStore checkpoints;
  private final List<Double> epochSeconds = new ArrayList<>();

  TrainingLoop(BatchPlan plan, TrainingGraph graph, Session session, BatchFeeder trainInputs, List<TrainingListener> listeners,
      DivergenceGuard guard, CheckpointStore checkpoints) {
    this.plan = plan;
    this.graph = graph;
    this.session = session;
    this.step = new TrainingStep(session, graph, trainInputs);
    this.listeners = List.copyOf(listeners);
    this.guard = guard;
    this.checkpoints = checkpoints;
  }

  /** Trains from {@code start} to the end of the plan (or an early stop) and returns where it ended. */
  TrainerState run(TrainerState start) {
    TrainingProgress p = TrainingProgress.resume(start);
    listeners.forEach(l -> l.onStart(p));
    try {
      while (!p.stoppedEarly() && p.epoch() < plan.epochs() && p.step() < plan.totalSteps()) {
        long epochStart = System.nanoTime();
        int epoch = p.epoch();
        List<int[]> batches = plan.batches(epoch);
        for (int b = p.batchInEpoch(); b < batches.size(); b++) {
          boolean epochEnd = b == batches.size() - 1, apply = epochEnd || p.batchesInStep() + 1 == plan.accumulation();
          double lr = graph.reportedLearningRate(p.step());
          long t0 = System.nanoTime();
          TrainingStep.Outcome r = step.run(batches.get(b), apply, p.step(), plan.dropoutSeed(epoch, b));
          // stop before anything of a diverged step can reach a checkpoint, the model or a report
          guard.requireFinite(p.step() + 1, "the training loss", r.loss());
          if (apply) guard.requireFinite(p.step() + 1, "the gradient norm", r.gradNorm());
          p.addBatch(r.loss(), batches.get(b).length, System.nanoTime() - t0);
          for (TrainingListener l : listeners) l.onBatch(p, r.loss(), lr);
          if (!apply) continue;
          p.completeStep(lr, epochEnd ? epoch + 1 : epoch, epochEnd ? 0 : b + 1);
          StepEnd end = new StepEnd(p, epoch, epochEnd, p.step() == plan.totalSteps(), lr, r.gradNorm(),
              graph.learningRates(p.step() - 1));
          for (TrainingListener l : listeners) l.onStep(end);
          if (end.checkpointRequested()) checkpoint(p.snapshot(), end.improved());
          if (p.stoppedEarly() || p.step() >= plan.totalSteps()) break;
        }
        epochSeconds.add((System.nanoTime() - epochStart) / 1e9);
      }
    } finally {
      listeners.forEach(TrainingListener::onEnd);
    }
    return p.snapshot();
  }

  /** Writes {@code last.ckpt} (and {@code best.ckpt}), each only from finite values, then tells the listeners. */
  private void checkpoint(TrainerState state, boolean best) {
    Map<String, CheckpointStore.Tensor> values = guard.requireFinite(state.step(), graph.read(session, graph.checkpointed()));
    if (best) checkpoints.writeBest(state, graph.read(session, graph.trained()));
    checkpoints.writeLast(state, values);
    guard.checkpointed(state.step());
    for (TrainingListener l : listeners) l.onCheckpoint(state);
  }

  /** Wall-clock seconds of each epoch this process ran (a resumed epoch counts from where it resumed). */
  List<Double> epochSeconds() {
    return List.copyOf(epochSeconds);
  }
}
