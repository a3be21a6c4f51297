package dev.jtune.train;

import java.util.function.Consumer;

/**
 * Hooks into the training loop, by event; every method does nothing unless overridden. The trainer
 * calls its listeners in a fixed order at each event: progress bar, validation (with the choice of
 * the best checkpoint), early stopping, periodic checkpoint, then those added with {@link
 * Trainer#addListener}. What a listener must keep across a resume lives in {@link TrainingProgress},
 * which is what checkpoints save.
 */
public interface TrainingListener {
  /** Before the first micro-batch of this process (at the saved position when resuming). */
  default void onStart(TrainingProgress progress) {}

  /** After each micro-batch, with its training loss and the learning rate of its step. */
  default void onBatch(TrainingProgress progress, float loss, double learningRate) {}

  /** After each optimizer step: may validate, ask for a checkpoint or stop the run (see {@link StepEnd}). */
  default void onStep(StepEnd step) {}

  /** After {@code last.ckpt} was written with this state. */
  default void onCheckpoint(TrainerState state) {}

  /** After the loop, also when it ends with an exception. */
  default void onEnd() {}

  /** A listener that only acts after each checkpoint (e.g. to report, or in tests to stop the process there). */
  static TrainingListener afterCheckpoint(Consumer<TrainerState> action) {
    return new TrainingListener() {
      @Override
      public void onCheckpoint(TrainerState state) {
        action.accept(state);
      }
    };
  }
}
