package dev.jtune.train;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.types.family.TType;

/**
 * The inputs of one session run: each part of a training step (batch feeder, loss, dropout, learning
 * rates) feeds its placeholders here, and the tensors it made are closed together when the run is
 * done. Used in try-with-resources; owns every tensor passed to {@link #feed}.
 */
public final class Feeds implements AutoCloseable {
  private final Session.Runner runner;
  private final List<Tensor> owned = new ArrayList<>();

  public Feeds(Session.Runner runner) {
    this.runner = runner;
  }

  /** Feeds {@code value} into {@code input}; the tensor is closed with these feeds. */
  public <T extends TType> Feeds feed(Operand<T> input, T value) {
    owned.add(value);
    runner.feed(input, value);
    return this;
  }

  /** The run these inputs go to (to add targets and fetches). */
  public Session.Runner runner() {
    return runner;
  }

  @Override
  public void close() {
    owned.forEach(Tensor::close);
    owned.clear();
  }
}
