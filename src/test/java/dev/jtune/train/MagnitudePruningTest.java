package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.JtuneException;
import dev.jtune.model.EncoderParameter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Magnitude pruning follows TF Model Optimization's polynomial schedule, zeroes exactly the share of
 * each trained layer kernel it should, keeps the zeros through later updates, and resumes exactly.
 */
class MagnitudePruningTest {
  @TempDir Path dir;

  static TrainingConfig.Pruning schedule(double initial, double fin, long begin, long end, int freq) {
    return new TrainingConfig.Pruning("", 0, 0, "global", "gradient", 1024, fin, initial, begin, end, freq);
  }

  @Test
  void sparsityRisesAsAPolynomialOfDegreeThreeFromBeginToEnd() {
    TrainingConfig.Pruning s = schedule(0.1, 0.8, 10, 110, 10);
    assertEquals(0.0, MagnitudePruning.sparsityAt(s, 110, 5));
    assertEquals(0.1, MagnitudePruning.sparsityAt(s, 110, 10), 1e-12);
    assertEquals(0.8 + (0.1 - 0.8) * Math.pow(0.5, 3), MagnitudePruning.sparsityAt(s, 110, 60), 1e-12);
    assertEquals(0.8, MagnitudePruning.sparsityAt(s, 110, 110), 1e-12);
    assertEquals(0.8, MagnitudePruning.sparsityAt(s, 110, 500), 1e-12);
    assertTrue(MagnitudePruning.due(s, 110, 20));
    assertFalse(MagnitudePruning.due(s, 110, 25));
    assertFalse(MagnitudePruning.due(s, 110, 120), "no update after the end");
    assertEquals(66, MagnitudePruning.endStep(schedule(0, 0.5, 0, -1, 1), 100), "-1: two thirds of the run");
  }

  @Test
  void aMaskZeroesExactlyTheSmallestWeights() {
    float[] w = {0.5f, -0.1f, 0.3f, -0.9f, 0.05f, 0.2f, -0.4f, 0.0f, 0.7f, -0.6f};
    float[] m = MagnitudePruning.mask(w, 0.4);
    assertEquals(6.0, sum(m));
    for (int i : new int[] {1, 4, 5, 7}) assertEquals(0f, m[i], "weight " + w[i]);
  }

  static double sum(float[] v) {
    double s = 0;
    for (float x : v) s += x;
    return s;
  }

  static TrainingConfig pruning(Map<String, ?> extra) {
    Map<String, Object> all = new java.util.HashMap<>(Map.of("freeze.unfreeze_all", true, "optimizer.encoder_learning_rate", 1e-3,
        "pruning.sparsity", 0.75, "pruning.begin_step", 2, "pruning.end_step", 20, "pruning.frequency", 3, "loop.epochs", 2));
    all.putAll(extra);
    return TrainerTest.config(all);
  }

  @Test
  void everyTrainedLayerKernelEndsAtTheFinalSparsityAndTheModelStillLearns() {
    Trainer.Result r = TrainerTest.trainer(pruning(Map.of()), dir.resolve("run")).train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    int kernels = 0;
    for (EncoderParameter p : TinyEncoder.CONFIG.parameters()) {
      float[] v = r.encoderWeights().get(p.name()).values();
      long zeros = 0;
      for (float x : v) if (x == 0f) zeros++;
      if (p.block() == EncoderParameter.Block.LAYER && p.name().endsWith("/kernel")) {
        assertEquals(Math.round(0.75 * v.length), zeros, p.name());
        kernels++;
      } else {
        long before = 0;
        for (float x : TrainerTest.PRETRAINED.get(p.name()).values()) if (x == 0f) before++;
        assertTrue(zeros <= before || zeros < v.length / 10, p.name() + " is not pruned");
      }
    }
    assertEquals(12, kernels, "6 kernels in each of the 2 layers");
    assertTrue(r.bestValidation().accuracy() > 0.8, "val accuracy " + r.bestValidation().accuracy());
  }

  @Test
  void aResumedRunEndsWithTheSameWeightsAndMasks() {
    TrainingConfig c = pruning(Map.of("loop.checkpoint_every_steps", 5));
    Trainer.Result whole = TrainerTest.trainer(c, dir.resolve("whole")).train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    Path run = dir.resolve("resumed");
    Trainer first = TrainerTest.trainer(c, run);
    first.addListener(TrainingListener.afterCheckpoint(st -> {
      if (st.step() == 10) throw new IllegalStateException("stop");
    }));
    assertThrows(IllegalStateException.class, () -> first.train(TrainerTest.TRAIN, TrainerTest.VAL, false));
    Trainer.Result resumed = TrainerTest.trainer(c, run).train(TrainerTest.TRAIN, TrainerTest.VAL, true);
    assertEquals(0.0, whole.encoderWeights().maxAbsDifference(resumed.encoderWeights()));
    org.junit.jupiter.api.Assertions.assertArrayEquals(whole.kernel(), resumed.kernel(), 0f);
  }

  @Test
  void aFrozenEncoderHasNothingToPrune() {
    assertThrows(JtuneException.class, () -> TrainerTest.config(Map.of("pruning.sparsity", 0.5)));
  }
}
