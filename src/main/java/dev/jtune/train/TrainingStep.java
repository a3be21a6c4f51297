package dev.jtune.train;

import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

/**
 * One micro-batch through the training graph: its inputs, loss inputs and dropout seed fed, the loss
 * computed, the gradient accumulated or applied. With gradient accumulation the update is a second
 * run, so it sees this micro-batch's contribution in the accumulators.
 */
final class TrainingStep {
  /** A micro-batch's loss, and the global gradient norm of the update it completed (0 when it only accumulated). */
  record Outcome(float loss, float gradNorm) {}

  private final Session session;
  private final TrainingGraph graph;
  private final BatchFeeder inputs;

  TrainingStep(Session session, TrainingGraph graph, BatchFeeder inputs) {
    this.session = session;
    this.graph = graph;
    this.inputs = inputs;
  }

  /** Runs train examples {@code rows}; with {@code apply}, completes optimizer step {@code step} (0-based). */
  Outcome run(int[] rows, boolean apply, long step, long[] dropoutSeed) {
    AdamW optimizer = graph.optimizer();
    Op accumulate = optimizer.accumulate();
    boolean applyHere = apply && accumulate == null;
    float loss, gradNorm = 0;
    try (Feeds feeds = new Feeds(session.runner())) {
      inputs.feed(feeds, rows);
      graph.feedLosses(feeds, rows);
      graph.feedDropout(feeds, dropoutSeed);
      if (accumulate != null) feeds.runner().addTarget(accumulate);
      if (applyHere) {
        optimizer.feedLearningRates(feeds, step);
        feeds.runner().addTarget(graph.update());
      }
      feeds.runner().fetch(graph.loss());
      if (applyHere) feeds.runner().fetch(optimizer.gradNorm());
      try (Result r = feeds.runner().run()) {
        loss = ((TFloat32) r.get(0)).getFloat();
        if (applyHere) gradNorm = ((TFloat32) r.get(1)).getFloat();
      }
    }
    if (apply && accumulate != null) {
      try (Feeds feeds = new Feeds(session.runner())) {
        optimizer.feedLearningRates(feeds, step);
        try (Result r = feeds.runner().addTarget(graph.update()).fetch(optimizer.gradNorm()).run()) {
          gradNorm = ((TFloat32) r.get(0)).getFloat();
        }
      }
    }
    return new Outcome(loss, gradNorm);
  }
}
