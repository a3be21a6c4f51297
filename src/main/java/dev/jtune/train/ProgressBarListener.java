package dev.jtune.train;

import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Draws the console progress bar over the run's micro-batches: loss, learning rate, seq/s and ETA. */
final class ProgressBarListener implements TrainingListener {
  private final BatchPlan plan;
  private ProgressBar bar;

  ProgressBarListener(BatchPlan plan) {
    this.plan = plan;
  }

  /** An ASCII bar of {@code max} units, redrawn twice a second. */
  static ProgressBar open(String task, long max) {
    return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(500).continuousUpdate().build();
  }

  @Override
  public void onStart(TrainingProgress progress) {
    bar = open("train", plan.microBatches());
    bar.stepTo((long) progress.epoch() * plan.batchesPerEpoch() + progress.batchInEpoch());
  }

  @Override
  public void onBatch(TrainingProgress progress, float loss, double learningRate) {
    bar.step();
    bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f lr %.2e %.0f seq/s", loss, learningRate, progress.seqPerSecond()));
  }

  @Override
  public void onEnd() {
    if (bar != null) bar.close();
  }
}
