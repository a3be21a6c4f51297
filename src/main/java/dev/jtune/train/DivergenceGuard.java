package dev.jtune.train;

import java.nio.file.Path;
import java.util.Map;

/**
 * Stops a run whose training loss, gradient norm, validation loss or checkpointed values stop being
 * finite, with a {@link TrainingDivergedException} naming the step and the last good checkpoint, before
 * anything of that step is written.
 */
final class DivergenceGuard {
  private final Path lastCheckpoint;
  private long lastGoodStep;

  /** {@code lastGoodStep} is the step of the {@code last.ckpt} already on disk, or -1 when there is none. */
  DivergenceGuard(Path lastCheckpoint, long lastGoodStep) {
    this.lastCheckpoint = lastCheckpoint;
    this.lastGoodStep = lastGoodStep;
  }

  void requireFinite(long step, String what, float value) {
    if (!Float.isFinite(value)) {
      throw new TrainingDivergedException(step, what, value, lastGoodStep < 0 ? null : lastCheckpoint, lastGoodStep);
    }
  }

  /** {@code values} when every one is finite: a checkpoint is only ever written from a sound state. */
  Map<String, CheckpointStore.Tensor> requireFinite(long step, Map<String, CheckpointStore.Tensor> values) {
    for (Map.Entry<String, CheckpointStore.Tensor> e : values.entrySet()) {
      for (float v : e.getValue().values()) {
        if (!Float.isFinite(v)) requireFinite(step, "variable " + e.getKey(), v);
      }
    }
    return values;
  }

  /** {@code last.ckpt} now holds step {@code step}. */
  void checkpointed(long step) {
    lastGoodStep = step;
  }
}
