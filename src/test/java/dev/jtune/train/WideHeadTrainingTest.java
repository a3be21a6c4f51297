package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.JtuneJson;
import dev.jtune.cli.Main;
import dev.jtune.data.TokenBatch;
import dev.jtune.model.ClassifierHead;
import dev.jtune.model.ClassifierSavedModel;
import dev.jtune.model.EncoderWeights;
import dev.jtune.model.TrainedClassifier;
import dev.jtune.model.WideLinear;
import dev.jtune.predict.SavedModelPredictor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.ndarray.Shape;

/**
 * A wide-and-deep head ({@code head.wide_buckets} > 0) trains jointly on both paths (cached
 * features of a frozen encoder, and batches through a partly unfrozen one), resumes exactly, and
 * the run's {@code model/} computes what it trained: dense logits plus the wide bag.
 */
class WideHeadTrainingTest {
  private static final int BUCKETS = 64, LABELS = 2;
  private static final int VOCAB = TinyEncoder.CONFIG.vocabSize();

  @TempDir Path dir;

  private static TrainingConfig config(Map<String, ?> overrides) {
    Map<String, Object> all = new HashMap<>(Map.of("head.wide_buckets", BUCKETS, "optimizer.wide_learning_rate", 0.05));
    all.putAll(overrides);
    return TrainerTest.config(all);
  }

  @Test
  void onCachedFeaturesTheWideTableTrainsWithTheHeadAndLearnsTheMarkerToken() {
    Trainer.Result r = TrainerTest.trainer(config(Map.of()), dir.resolve("run")).train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    assertTrue(r.usedFeatureCache());
    List<TrainerState.CurvePoint> curve = r.state().curve();
    double first = curve.subList(0, 16).stream().mapToDouble(TrainerState.CurvePoint::loss).average().orElseThrow();
    double last = curve.subList(curve.size() - 16, curve.size()).stream().mapToDouble(TrainerState.CurvePoint::loss).average().orElseThrow();
    assertTrue(last < first * 0.5, "train loss " + first + " -> " + last);
    assertTrue(r.bestValidation().accuracy() > 0.9, "val accuracy " + r.bestValidation().accuracy());
    // head kernel [2 * 32, 2] + bias [2] + the wide table [vocab + buckets, 2]
    assertEquals(2 * 32 * 2 + 2 + (long) (VOCAB + BUCKETS) * LABELS, r.trainedParameters());
    assertEquals((VOCAB + BUCKETS) * LABELS, r.wide().length);
    int marker = TinyEncoder.MARKER;
    assertTrue(r.wide()[marker * LABELS + 1] - r.wide()[marker * LABELS] > 0.5,
        "the marker token's row favours 'marked': " + r.wide()[marker * LABELS] + ", " + r.wide()[marker * LABELS + 1]);
    assertEquals(0.0, r.encoderWeights().maxAbsDifference(TrainerTest.PRETRAINED));
  }

  @Test
  void withoutWideBucketsThereIsNoWideTable() {
    Trainer.Result r = TrainerTest.trainer(TrainerTest.config(Map.of("loop.epochs", 1)), dir.resolve("run"))
        .train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    assertNull(r.wide());
    assertEquals(2 * 32 * 2 + 2, r.trainedParameters());
  }

  @Test
  void throughAnUnfrozenLayerTheWideTableTrainsToo() {
    TrainingConfig c = config(Map.of("freeze.unfreeze_top", 1, "loop.epochs", 1, "optimizer.encoder_learning_rate", 1e-3));
    Trainer.Result r = TrainerTest.trainer(c, dir.resolve("run")).train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    assertFalse(r.usedFeatureCache());
    int marker = TinyEncoder.MARKER;
    assertTrue(r.wide()[marker * LABELS + 1] > r.wide()[marker * LABELS], "the marker token's row favours 'marked'");
    String top = "bert/encoder/layer_1/attention/self/query/kernel";
    assertFalse(java.util.Arrays.equals(TrainerTest.PRETRAINED.get(top).values(), r.encoderWeights().get(top).values()));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1})
  void resumeAfterACrashEndsLikeTheUninterruptedRun(int unfreezeTop) {
    Map<String, Object> o = Map.of("freeze.unfreeze_top", unfreezeTop, "loop.epochs", 2, "validation.every_steps", 5,
        "loop.grad_accumulation", 2, "head.dropout", 0.2, "loop.checkpoint_every_steps", 2, "optimizer.wide_weight_decay", 0.01);
    Trainer.Result whole = TrainerTest.trainer(config(o), dir.resolve("whole")).train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    Path crashed = dir.resolve("crashed");
    RuntimeException crash = assertThrows(RuntimeException.class, () -> TrainerTest.trainer(config(o), crashed)
        .addListener(TrainingListener.afterCheckpoint(s -> {
          if (s.step() == 12) throw new IllegalStateException("simulated crash"); // between two validations
        }))
        .train(TrainerTest.TRAIN, TrainerTest.VAL, false));
    assertEquals("simulated crash", crash.getMessage());
    Trainer.Result resumed = TrainerTest.trainer(config(o), crashed).train(TrainerTest.TRAIN, TrainerTest.VAL, true);

    assertEquals(TrainerTest.metricsOnly(whole), TrainerTest.metricsOnly(resumed));
    assertArrayEquals(whole.kernel(), resumed.kernel());
    assertArrayEquals(whole.wide(), resumed.wide());
    assertEquals(0.0, whole.encoderWeights().maxAbsDifference(resumed.encoderWeights()));
  }

  @Test
  void theRunsModelHoldsTheWideTableAndComputesDensePlusWideLogits() throws Exception {
    Path encoder = TinyRunFixture.encoder(dir);
    Path data = TinyRunFixture.dataset(dir, 240, 80, 80);
    Path run = dir.resolve("runs").resolve("wide");
    assertEquals(0, Main.run("train", "--model", encoder.toString(), "--data", data.toString(), "--out", run.toString(),
        "--epochs", "3", "--lr", "0.01", "--batch-size", "16", "--max-seq-len", "32", "--wide-buckets", String.valueOf(BUCKETS),
        "--wide-lr", "0.05", "--no-progress"));
    JsonNode info = JtuneJson.MAPPER.readTree(run.resolve("model/assets/classifier.json").toFile());
    assertEquals(BUCKETS, info.get("wide_buckets").asInt());

    TrainedClassifier read = ClassifierSavedModel.read(run.resolve("model"));
    assertEquals(BUCKETS, read.classifier().wideBuckets());
    assertEquals(Shape.of(VOCAB + BUCKETS, LABELS), read.headWide().shape());
    CheckpointStore.Checkpoint best = CheckpointStore.read(run.resolve("checkpoints/best.ckpt"));
    float[] kernel = best.tensors().get(ClassifierHead.KERNEL).values(), bias = best.tensors().get(ClassifierHead.BIAS).values();
    float[] wide = best.tensors().get(ClassifierHead.WIDE).values();
    assertArrayEquals(wide, read.headWide().values(), "model/ holds the best checkpoint's wide table");
    assertTrue(java.util.Arrays.stream(box(wide)).anyMatch(v -> v != 0f), "the wide table trained");

    List<int[]> ids = new ArrayList<>();
    Random r = new Random(9);
    for (int i = 0; i < 12; i++) {
      int[] t = new int[3 + r.nextInt(20)];
      t[0] = 2;
      t[t.length - 1] = 3;
      for (int j = 1; j < t.length - 1; j++) t[j] = i % 3 == 0 && j % 4 == 1 ? TinyEncoder.MARKER : 4 + r.nextInt(96);
      ids.add(t);
    }
    int h = 2 * TinyEncoder.CONFIG.hiddenSize();
    float[] features;
    try (FeatureCache.Extractor ex = new FeatureCache.Extractor(TinyEncoder.CONFIG, TrainerTest.PRETRAINED, "mean", 2)) {
      Path file = dir.resolve("probe-features.f32");
      ex.extract(ids, 64, file, null);
      features = FeatureCache.open(file, 12, h, 1 << 20).orElseThrow().rows(java.util.stream.IntStream.range(0, 12).toArray());
    }
    float[] logits;
    try (SavedModelPredictor m = SavedModelPredictor.load(run.resolve("model"))) {
      logits = m.logits(TokenBatch.of(ids));
    }
    for (int i = 0; i < 12; i++) {
      int[] t = ids.get(i);
      List<Integer> rows = new ArrayList<>();
      for (int id : t) rows.add(id);
      for (int j = 0; j + 1 < t.length; j++) rows.add(WideLinear.bigramRow(VOCAB, BUCKETS, t[j], t[j + 1]));
      for (int c = 0; c < LABELS; c++) {
        double expected = bias[c];
        for (int k = 0; k < h; k++) expected += features[i * h + k] * kernel[k * LABELS + c];
        double bag = 0;
        for (int row : rows) bag += wide[row * LABELS + c];
        expected += bag / Math.sqrt(rows.size());
        assertEquals(expected, logits[i * LABELS + c], 1e-4, "logit " + i + "," + c);
      }
    }

    // --init-from carries the wide table, so it needs the same buckets
    Path next = dir.resolve("runs").resolve("next");
    dev.jtune.io.CliRun.of("train", "--model", encoder.toString(), "--data", data.toString(), "--out", next.toString(),
        "--init-from", run.toString(), "--max-seq-len", "32", "--no-progress")
        .assertRefused("init_from " + run + ": its head has wide_buckets 64, this run 0; pass --wide-buckets 64");
    assertFalse(Files.exists(next), "refused before the run folder exists");
    // with them, the next run starts from the wide table (rates so small that one epoch leaves it as it was)
    dev.jtune.io.CliRun.of("train", "--model", encoder.toString(), "--data", data.toString(), "--out", next.toString(),
        "--init-from", run.toString(), "--max-seq-len", "32", "--wide-buckets", String.valueOf(BUCKETS), "--epochs", "1",
        "--lr", "1e-9", "--wide-lr", "1e-9", "--no-baseline", "--no-progress").assertOk();
    assertArrayEquals(read.headWide().values(), ClassifierSavedModel.read(next.resolve("model")).headWide().values(), 1e-6f);

    // a run without a wide part may gain one: the head starts as the source's, the table at zero
    Path plain = dir.resolve("runs").resolve("plain"), widened = dir.resolve("runs").resolve("widened");
    dev.jtune.io.CliRun.of("train", "--model", encoder.toString(), "--data", data.toString(), "--out", plain.toString(),
        "--epochs", "1", "--lr", "0.01", "--batch-size", "16", "--max-seq-len", "32", "--no-baseline", "--no-progress").assertOk();
    dev.jtune.io.CliRun.of("train", "--model", encoder.toString(), "--data", data.toString(), "--out", widened.toString(),
        "--init-from", plain.toString(), "--max-seq-len", "32", "--wide-buckets", String.valueOf(BUCKETS), "--epochs", "1",
        "--lr", "1e-9", "--wide-lr", "1e-9", "--no-baseline", "--no-progress").assertOk();
    TrainedClassifier source = ClassifierSavedModel.read(plain.resolve("model")), gained = ClassifierSavedModel.read(widened.resolve("model"));
    assertArrayEquals(source.headKernel().values(), gained.headKernel().values(), 1e-6f);
    assertEquals(Shape.of(VOCAB + BUCKETS, LABELS), gained.headWide().shape());
    for (float v : gained.headWide().values()) assertEquals(0f, v, 1e-6f, "the gained table starts at zero");
  }

  @Test
  void aClassifierWithoutAWidePartWritesNoWideBuckets() throws Exception {
    ClassifierSpec plain = new ClassifierSpec(dev.jtune.artifact.Pooling.MEAN, 1, List.of("a", "b"), 16);
    Path f = dir.resolve("classifier.json");
    plain.write(f);
    assertFalse(Files.readString(f).contains("wide_buckets"), "files of classifiers without a wide part stay as they were");
    assertEquals(plain, ClassifierSpec.read(f));
    ClassifierSpec wide = new ClassifierSpec(dev.jtune.artifact.Pooling.MEAN, 1, List.of("a", "b"), 16).withWideBuckets(8);
    wide.write(f);
    assertEquals(wide, ClassifierSpec.read(f));
    ClassifierSpec both = plain.withTruncation(dev.jtune.artifact.Truncation.HEAD_TAIL, 5).withWideBuckets(8);
    both.write(f);
    assertEquals(both, ClassifierSpec.read(f));
    assertEquals(5, both.headTokens(), "the wide part keeps the truncation");
    assertEquals(8, both.withTruncation(dev.jtune.artifact.Truncation.TAIL, -1).wideBuckets(), "and the truncation the wide part");
    assertThrows(IllegalArgumentException.class, () -> new TrainedClassifier(TinyEncoder.CONFIG, wide, TrainerTest.PRETRAINED,
        new EncoderWeights.Weight(Shape.of(32, 2), new float[64]), new EncoderWeights.Weight(Shape.of(2), new float[2]), 0),
        "a wide classifier needs its table");
  }

  private static Float[] box(float[] v) {
    Float[] out = new Float[v.length];
    for (int i = 0; i < v.length; i++) out[i] = v[i];
    return out;
  }
}
