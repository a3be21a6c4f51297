package dev.jtune.train;

/**
 * Stops the run once {@code patience} validations in a row have not improved the selection metric
 * (runs after {@link ValidationListener}, which counts them). The stop is part of the saved state, so
 * a resumed run that had stopped stays stopped.
 */
final class EarlyStopping implements TrainingListener {
  private final int patience;

  EarlyStopping(int patience) {
    if (patience < 1) throw new IllegalArgumentException("patience must be >= 1, got " + patience);
    this.patience = patience;
  }

  @Override
  public void onStep(StepEnd end) {
    if (end.validation().isPresent() && end.progress().badValidations() >= patience) end.stopEarly();
  }
}
