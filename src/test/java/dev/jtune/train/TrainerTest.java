package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.model.EncoderWeights;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
  static final EncoderWeights PRETRAINED = TinyEncoder.weights(11);
  static final EncodedSplit TRAIN = TinyEncoder.toyTask(256, 1);
  static final EncodedSplit VAL = TinyEncoder.toyTask(96, 2);
  static final List<String> LABELS = List.of("plain", "marked");

  @TempDir Path dir;

  static TrainingConfig config(Map<String, ?> overrides) {
    Map<String, Object> all = new HashMap<>(Map.of(
        "model", "tiny", "data", "toy", "optimizer.learning_rate", 0.01, "loop.batch_size", 16, "loop.epochs", 6,
        "validation.patience", 0, "tokens.max_seq_len", 32));
    all.putAll(overrides);
    return TrainingConfig.resolve(null, all);
  }

  static Trainer trainer(TrainingConfig c, Path runDir) {
    return new Trainer(c, TinyEncoder.CONFIG, PRETRAINED, LABELS, runDir, false);
  }

  /** Validation history without the throughput column (a timing, not a result). */
  static List<List<Double>> metricsOnly(Trainer.Result r) {
    return r.state().history().stream()
        .map(h -> List.of((double) h.step(), h.trainLoss(), h.learningRate(), h.valLoss(), h.valAccuracy(), h.valMacroF1()))
        .toList();
  }

  @Test
  void frozenHeadOnCachedFeaturesLearnsTheToyTask() {
    Trainer.Result r = trainer(config(Map.of()), dir.resolve("run")).train(TRAIN, VAL, false);
    assertTrue(r.usedFeatureCache());
    List<TrainerState.CurvePoint> curve = r.state().curve();
    double first = curve.subList(0, 16).stream().mapToDouble(TrainerState.CurvePoint::loss).average().orElseThrow();
    double last = curve.subList(curve.size() - 16, curve.size()).stream().mapToDouble(TrainerState.CurvePoint::loss).average().orElseThrow();
    assertTrue(last < first * 0.8, "train loss " + first + " -> " + last);
    assertTrue(r.bestValidation().accuracy() > 0.8, "val accuracy " + r.bestValidation().accuracy());
    assertEquals(6, r.state().history().size(), "one validation per epoch");
    // default head.layers 4 over the 2-layer tiny encoder: kernel [2 * 32, 2] + bias [2]
    assertEquals(2 * 32 * 2 + 2, r.trainedParameters(), "only the head trains");
    assertEquals(0.0, r.encoderWeights().maxAbsDifference(PRETRAINED));
  }

  @Test
  void sameSeedGivesSameMetricsAndDifferentSeedDoesNot() throws Exception {
    Trainer.Result a = trainer(config(Map.of("loop.epochs", 2)), dir.resolve("a")).train(TRAIN, VAL, false);
    Trainer.Result b = trainer(config(Map.of("loop.epochs", 2)), dir.resolve("b")).train(TRAIN, VAL, false);
    Trainer.Result c = trainer(config(Map.of("loop.epochs", 2, "loop.seed", 7)), dir.resolve("c")).train(TRAIN, VAL, false);
    assertEquals(metricsOnly(a), metricsOnly(b));
    assertArrayEquals(a.kernel(), b.kernel());
    assertFalse(Arrays.equals(a.kernel(), c.kernel()));
    try (var files = java.nio.file.Files.list(dir.resolve(".feature-cache"))) {
      assertEquals(2, files.count(), "train and val features computed once, then reused by the later runs");
    }
  }

  @Test
  void largeCachesAreMemoryMappedWithTheSameRows() {
    Trainer.Result inMemory = trainer(config(Map.of("loop.epochs", 1)), dir.resolve("mem")).train(TRAIN, VAL, false);
    Trainer.Result mapped = trainer(config(Map.of("loop.epochs", 1, "cache.memory_mb", 0)), dir.resolve("map")).train(TRAIN, VAL, false);
    assertEquals(metricsOnly(inMemory), metricsOnly(mapped));
  }

  @Test
  void unfreezeTopOneTrainsOnlyTheTopLayerAndHead() {
    TrainingConfig c = config(Map.of("freeze.unfreeze_top", 1, "loop.epochs", 1, "optimizer.encoder_learning_rate", 1e-3));
    Trainer.Result r = trainer(c, dir.resolve("run")).train(TRAIN, VAL, false);
    assertFalse(r.usedFeatureCache());
    EncoderWeights after = r.encoderWeights();
    for (String name : PRETRAINED.names()) {
      float[] before = PRETRAINED.get(name).values(), now = after.get(name).values();
      if (name.startsWith("bert/encoder/layer_1/")) {
        assertFalse(Arrays.equals(before, now), name + " should have trained");
      } else {
        assertArrayEquals(before, now, name + " must stay bit-identical"); // exact: no tolerance
      }
    }
  }

  @Test
  void resumeAfterACrashEndsLikeTheUninterruptedRun() {
    Map<String, Object> o = Map.of("freeze.unfreeze_top", 1, "loop.epochs", 2, "validation.every_steps", 5,
        "loop.grad_accumulation", 2, "head.dropout", 0.2, "freeze.encoder_dropout", 0.2, "loop.checkpoint_every_steps", 2);
    Trainer.Result whole = trainer(config(o), dir.resolve("whole")).train(TRAIN, VAL, false);

    Path crashed = dir.resolve("crashed");
    RuntimeException crash = assertThrows(RuntimeException.class, () -> trainer(config(o), crashed)
        .addListener(TrainingListener.afterCheckpoint(s -> {
          if (s.step() == 12) throw new IllegalStateException("simulated crash"); // between two validations
        }))
        .train(TRAIN, VAL, false));
    assertEquals("simulated crash", crash.getMessage());
    Trainer.Result resumed = trainer(config(o), crashed).train(TRAIN, VAL, true);

    assertEquals(metricsOnly(whole), metricsOnly(resumed));
    assertEquals(whole.bestValidation().macroF1(), resumed.bestValidation().macroF1());
    assertArrayEquals(whole.kernel(), resumed.kernel());
    assertEquals(0.0, whole.encoderWeights().maxAbsDifference(resumed.encoderWeights()));
  }

  @Test
  void encoderDropoutActsOnTrainedLayersOnly() {
    Map<String, Object> top = Map.of("freeze.unfreeze_top", 1, "loop.epochs", 1, "optimizer.encoder_learning_rate", 1e-3);
    Map<String, Object> topNoDropout = new HashMap<>(top);
    topNoDropout.put("freeze.encoder_dropout", 0.0);
    float[] with = trainer(config(top), dir.resolve("t1")).train(TRAIN, VAL, false).kernel();
    float[] without = trainer(config(topNoDropout), dir.resolve("t0")).train(TRAIN, VAL, false).kernel();
    assertFalse(Arrays.equals(with, without), "dropout in the unfrozen layer changes what is learned");
    // a frozen encoder runs as at inference: the rate changes nothing (no cache, so it really runs)
    Map<String, Object> frozen = Map.of("loop.epochs", 1, "cache.features", "off");
    Map<String, Object> frozenHalf = Map.of("loop.epochs", 1, "cache.features", "off", "freeze.encoder_dropout", 0.5);
    assertArrayEquals(trainer(config(frozen), dir.resolve("f0")).train(TRAIN, VAL, false).kernel(),
        trainer(config(frozenHalf), dir.resolve("f1")).train(TRAIN, VAL, false).kernel());
  }

  @Test
  void checkpointsFollowEveryValidationAndThePeriodAndReachTheListeners() {
    // 256 rows in batches of 16: 16 steps; validation every 5 steps and at the last, a checkpoint every 2 steps
    List<Long> steps = new java.util.ArrayList<>();
    Trainer.Result r = trainer(config(Map.of("loop.epochs", 1, "validation.every_steps", 5, "loop.checkpoint_every_steps", 2)),
        dir.resolve("run")).addListener(TrainingListener.afterCheckpoint(s -> steps.add(s.step()))).train(TRAIN, VAL, false);
    assertEquals(List.of(2L, 4L, 5L, 6L, 8L, 10L, 12L, 14L, 15L, 16L), steps);
    assertEquals(List.of(5L, 10L, 15L, 16L), r.state().history().stream().map(TrainerState.HistoryRow::step).toList());
    assertEquals(r.state(), CheckpointStore.read(dir.resolve("run/checkpoints/last.ckpt")).state(),
        "last.ckpt holds the state the run ended with");
  }

  @Test
  void earlyStoppingStopsAfterPatienceValidationsWithoutImprovement() {
    // a learning rate this small cannot improve macro-F1 after the first validation
    TrainingConfig c = config(Map.of("optimizer.learning_rate", 1e-9, "loop.epochs", 10, "validation.patience", 2,
        "validation.metric", "accuracy"));
    Trainer.Result r = trainer(c, dir.resolve("run")).train(TRAIN, VAL, false);
    assertTrue(r.state().stoppedEarly());
    assertEquals(3, r.state().history().size());
  }
}
