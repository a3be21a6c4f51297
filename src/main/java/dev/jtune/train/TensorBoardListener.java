package dev.jtune.train;

import dev.jtune.eval.TensorBoardLog;
import java.util.Map;

/**
 * Logs the run for TensorBoard as it trains ({@link TensorBoardLog}): after every optimizer step the
 * step's train loss, its gradient norm before clipping and each trained parameter group's learning
 * rate; after every validation the values of that history.csv row (validation loss, accuracy,
 * macro-F1, and the train loss and throughput since the validation before), then a flush, so a
 * running TensorBoard shows the run as it goes. The log stays open after the loop (the run adds the
 * test results); whoever made it closes it.
 */
final class TensorBoardListener implements TrainingListener {
  static final String TRAIN_LOSS = "train/loss";
  static final String GRAD_NORM = "train/grad_norm";
  static final String LEARNING_RATE = "train/learning_rate/";
  static final String VAL_LOSS = "val/loss";
  static final String VAL_ACCURACY = "val/accuracy";
  static final String VAL_MACRO_F1 = "val/macro_f1";
  static final String LOSS_SINCE_VALIDATION = "train/loss_since_validation";
  static final String SEQ_PER_SECOND = "train/seq_per_s";

  private final TensorBoardLog log;

  TensorBoardListener(TensorBoardLog log) {
    this.log = log;
  }

  @Override
  public void onStart(TrainingProgress progress) {
    // a resumed run restarts after its checkpoint: TensorBoard drops what the killed process logged from there on
    log.sessionStart(progress.step() + 1);
    log.flush();
  }

  @Override
  public void onStep(StepEnd end) {
    long step = end.step();
    log.scalar(TRAIN_LOSS, step, end.trainLoss());
    if (!Double.isNaN(end.gradNorm())) log.scalar(GRAD_NORM, step, end.gradNorm());
    for (Map.Entry<String, Double> lr : end.learningRates().entrySet()) log.scalar(LEARNING_RATE + lr.getKey(), step, lr.getValue());
    if (end.validation().isPresent()) {
      TrainerState.HistoryRow row = end.progress().lastValidation().orElseThrow();
      log.scalar(VAL_LOSS, step, row.valLoss());
      log.scalar(VAL_ACCURACY, step, row.valAccuracy());
      log.scalar(VAL_MACRO_F1, step, row.valMacroF1());
      log.scalar(LOSS_SINCE_VALIDATION, step, row.trainLoss());
      log.scalar(SEQ_PER_SECOND, step, row.seqPerSecond());
      log.flush();
    }
  }

  @Override
  public void onEnd() {
    log.flush();
  }
}
