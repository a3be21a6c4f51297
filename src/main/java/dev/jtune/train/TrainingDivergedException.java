package dev.jtune.train;

import dev.jtune.JtuneException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Training stopped because the loss or the gradient norm stopped being a finite number (usually a
 * learning rate far too high). The run folder keeps what was written before, the last good
 * checkpoint included; nothing is written after the step that diverged.
 */
public final class TrainingDivergedException extends JtuneException {
  private final long step;
  private final Path lastGoodCheckpoint;

  TrainingDivergedException(long step, String what, float value, Path lastGoodCheckpoint, long checkpointStep) {
    super("training stopped at optimizer step " + step + ": " + what + " became " + value + "; "
        + (lastGoodCheckpoint == null
            ? "no checkpoint had been written yet"
            : "the last good checkpoint " + lastGoodCheckpoint + " (step " + checkpointStep + ") is kept")
        + " and no model or report was written; lower optimizer.learning_rate (or set optimizer.max_grad_norm)"
        + " and train again into another --out");
    this.step = step;
    this.lastGoodCheckpoint = lastGoodCheckpoint;
  }

  /** The optimizer step (1-based) whose loss or gradient was not finite. */
  public long step() {
    return step;
  }

  /** The checkpoint written before the divergence, if any. */
  public Optional<Path> lastGoodCheckpoint() {
    return Optional.ofNullable(lastGoodCheckpoint);
  }
}
