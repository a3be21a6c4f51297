package dev.jtune.train;

/**
 * Asks for a resumable checkpoint every {@code loop.checkpoint_every_steps} optimizer steps, between
 * validations (which are always checkpointed), so a long epoch loses at most that many steps to a kill.
 */
final class PeriodicCheckpoint implements TrainingListener {
  private final int everySteps;

  PeriodicCheckpoint(int everySteps) {
    if (everySteps < 1) throw new IllegalArgumentException("everySteps must be >= 1, got " + everySteps);
    this.everySteps = everySteps;
  }

  @Override
  public void onStep(StepEnd end) {
    if (end.step() % everySteps == 0) end.requestCheckpoint();
  }
}
