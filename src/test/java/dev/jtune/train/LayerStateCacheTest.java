package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.Pooling;
import dev.jtune.data.TokenBatch;
import dev.jtune.model.BertConfig;
import dev.jtune.model.BertEncoder;
import dev.jtune.model.ClassifierGraph;
import dev.jtune.model.EncoderWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * With {@code freeze.unfreeze_top} K below the layer count, the frozen bottom layers' output is
 * computed once ({@link LayerStateCache}) and only the top K layers run each step: the run matches
 * the one through the whole encoder ({@code cache.top_layers = false}) for the same seed, resumes
 * exactly, and its cache files are reused until the encoder's frozen part, K or the tokens change.
 */
class LayerStateCacheTest {
  private static final double TOLERANCE = 1e-5;

  @TempDir Path dir;

  private static Map<String, Object> topOne(Map<String, ?> more) {
    Map<String, Object> o = new HashMap<>(Map.of("freeze.unfreeze_top", 1, "loop.epochs", 2, "optimizer.encoder_learning_rate", 1e-3,
        "head.dropout", 0.2, "freeze.encoder_dropout", 0.2, "validation.every_steps", 10));
    o.putAll(more);
    return o;
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 64})
  void cachedTopLayerRunMatchesTheRunThroughTheWholeEncoder(int wideBuckets) {
    Map<String, Object> o = topOne(Map.of("head.wide_buckets", wideBuckets, "optimizer.wide_learning_rate", 0.05));
    Trainer.Result cached = TrainerTest.trainer(TrainerTest.config(o), dir.resolve("cached")).train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    o.put("cache.top_layers", false);
    Trainer.Result whole = TrainerTest.trainer(TrainerTest.config(o), dir.resolve("whole")).train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    assertTrue(cached.usedLayerCache());
    assertFalse(whole.usedLayerCache());
    assertFalse(cached.usedFeatureCache());
    assertEquals(whole.trainedParameters(), cached.trainedParameters());

    assertSameMetrics(whole, cached);
    assertArrayEquals(whole.kernel(), cached.kernel(), (float) TOLERANCE);
    assertArrayEquals(whole.bias(), cached.bias(), (float) TOLERANCE);
    if (wideBuckets > 0) assertArrayEquals(whole.wide(), cached.wide(), (float) TOLERANCE);
    assertTrue(whole.encoderWeights().maxAbsDifference(cached.encoderWeights()) < TOLERANCE);
    for (String name : TrainerTest.PRETRAINED.names()) {
      if (name.startsWith("bert/encoder/layer_1/")) {
        assertFalse(java.util.Arrays.equals(TrainerTest.PRETRAINED.get(name).values(), cached.encoderWeights().get(name).values()),
            name + " should have trained");
      } else {
        assertArrayEquals(TrainerTest.PRETRAINED.get(name).values(), cached.encoderWeights().get(name).values(), name + " stays as it was");
      }
    }
    float[] a = logits(TinyEncoder.CONFIG, whole, wideBuckets), b = logits(TinyEncoder.CONFIG, cached, wideBuckets);
    double maxDiff = 0;
    for (int i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    assertTrue(maxDiff < TOLERANCE, "logits differ by " + maxDiff);
  }

  @Test
  void theRunsModelIsTheWholeEncoderWithTheTrainedTopLayer() throws Exception {
    Path encoder = TinyRunFixture.encoder(dir);
    Path data = TinyRunFixture.dataset(dir, 160, 48, 48);
    List<String> common = List.of("--model", encoder.toString(), "--data", data.toString(), "--unfreeze-top", "1", "--epochs", "2",
        "--lr", "0.01", "--encoder-lr", "1e-3", "--batch-size", "16", "--max-seq-len", "32", "--no-baseline", "--no-progress");
    Path cachedRun = dir.resolve("runs").resolve("cached"), wholeRun = dir.resolve("runs").resolve("whole");
    List<String> cachedArgs = new ArrayList<>(List.of("train", "--out", cachedRun.toString()));
    cachedArgs.addAll(common);
    List<String> wholeArgs = new ArrayList<>(List.of("train", "--out", wholeRun.toString(), "--set", "cache.top_layers=false"));
    wholeArgs.addAll(common);
    assertEquals(0, dev.jtune.cli.Main.run(cachedArgs.toArray(String[]::new)));
    assertEquals(0, dev.jtune.cli.Main.run(wholeArgs.toArray(String[]::new)));
    var cachedMetrics = dev.jtune.artifact.JtuneJson.MAPPER.readTree(cachedRun.resolve("metrics.json").toFile());
    var wholeMetrics = dev.jtune.artifact.JtuneJson.MAPPER.readTree(wholeRun.resolve("metrics.json").toFile());
    assertTrue(cachedMetrics.get("layer_cache").asBoolean());
    assertFalse(wholeMetrics.get("layer_cache").asBoolean());
    assertEquals(wholeMetrics.at("/test/accuracy").asDouble(), cachedMetrics.at("/test/accuracy").asDouble());
    assertEquals(wholeMetrics.at("/test/macro_f1").asDouble(), cachedMetrics.at("/test/macro_f1").asDouble());

    TokenBatch b = TokenBatch.of(TrainerTest.VAL.tokenIds());
    float[] a, c;
    try (dev.jtune.predict.SavedModelPredictor m = dev.jtune.predict.SavedModelPredictor.load(wholeRun.resolve("model"))) {
      a = m.logits(b);
    }
    try (dev.jtune.predict.SavedModelPredictor m = dev.jtune.predict.SavedModelPredictor.load(cachedRun.resolve("model"))) {
      c = m.logits(b);
    }
    assertArrayEquals(a, c, (float) TOLERANCE);
    var read = dev.jtune.model.ClassifierSavedModel.read(cachedRun.resolve("model")).encoderWeights();
    for (String name : TrainerTest.PRETRAINED.names()) {
      boolean top = name.startsWith("bert/encoder/layer_1/");
      assertEquals(!top, java.util.Arrays.equals(TrainerTest.PRETRAINED.get(name).values(), read.get(name).values()),
          name + (top ? " trained" : " is the pretrained value"));
    }
  }

  @Test
  void resumeOnCachedLayerStatesEndsLikeTheUninterruptedRun() {
    Map<String, Object> o = topOne(Map.of("validation.every_steps", 5, "loop.grad_accumulation", 2, "loop.checkpoint_every_steps", 2));
    Trainer.Result whole = TrainerTest.trainer(TrainerTest.config(o), dir.resolve("whole")).train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    Path crashed = dir.resolve("crashed");
    RuntimeException crash = assertThrows(RuntimeException.class, () -> TrainerTest.trainer(TrainerTest.config(o), crashed)
        .addListener(TrainingListener.afterCheckpoint(s -> {
          if (s.step() == 12) throw new IllegalStateException("simulated crash");
        }))
        .train(TrainerTest.TRAIN, TrainerTest.VAL, false));
    assertEquals("simulated crash", crash.getMessage());
    Trainer.Result resumed = TrainerTest.trainer(TrainerTest.config(o), crashed).train(TrainerTest.TRAIN, TrainerTest.VAL, true);
    assertTrue(resumed.usedLayerCache());
    assertEquals(TrainerTest.metricsOnly(whole), TrainerTest.metricsOnly(resumed));
    assertArrayEquals(whole.kernel(), resumed.kernel());
    assertEquals(0.0, whole.encoderWeights().maxAbsDifference(resumed.encoderWeights()));
  }

  @Test
  void theStatesAreComputedOnceAndReusedUntilTheTokensOrKChange() throws IOException {
    // three layers with a dense pooler, so K = 1 and K = 2 both leave frozen layers
    BertConfig three = new BertConfig(100, 32, 3, 4, 64, 64, 2, 1e-12, BertConfig.Activation.GELU, BertConfig.Pooler.DENSE);
    EncoderWeights weights = weights(three, 5);
    Path cache = dir.resolve("cache");
    Map<String, Object> o = topOne(Map.of("loop.epochs", 1, "cache.dir", cache.toString(), "head.pooling", "cls"));
    Trainer.Result first = trainer(o, three, weights, "a").train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    assertTrue(first.usedLayerCache());
    // per split: the states, their index and the pooled vectors of the frozen head layers (0 and 1 of the three it reads)
    Map<String, Object> files = fileKeys(cache);
    assertEquals(6, files.size(), files.keySet().toString());
    assertTrue(first.encoderWeights().maxAbsDifference(weights) > 0, "the top layer and the pooler trained");
    assertFalse(java.util.Arrays.equals(weights.get("bert/pooler/dense/kernel").values(),
        first.encoderWeights().get("bert/pooler/dense/kernel").values()), "the dense pooler trains");

    Trainer.Result again = trainer(o, three, weights, "b").train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    assertEquals(files, fileKeys(cache), "the second run reads the same files, it does not write them again");
    assertEquals(TrainerTest.metricsOnly(first), TrainerTest.metricsOnly(again));

    Map<String, Object> topTwo = new HashMap<>(o);
    topTwo.put("freeze.unfreeze_top", 2);
    assertTrue(trainer(topTwo, three, weights, "c").train(TrainerTest.TRAIN, TrainerTest.VAL, false).usedLayerCache());
    Map<String, Object> afterK = fileKeys(cache);
    assertEquals(12, afterK.size(), "another K, other files");
    afterK.keySet().retainAll(files.keySet());
    assertEquals(files, afterK, "the K = 1 files are left as they were");

    List<int[]> shorter = new ArrayList<>(TrainerTest.TRAIN.tokenIds());
    int[] cut = shorter.get(0);
    shorter.set(0, new int[] {cut[0], cut[1], cut[cut.length - 1]});
    EncodedSplit otherTokens = new EncodedSplit(shorter, TrainerTest.TRAIN.labels());
    trainer(o, three, weights, "d").train(otherTokens, TrainerTest.VAL, false);
    Map<String, Object> afterTokens = fileKeys(cache);
    assertEquals(15, afterTokens.size(), "other train tokens: new train files");
    afterTokens.keySet().retainAll(files.keySet());
    assertEquals(files, afterTokens, "the val files are reused, not written again");

    EncoderWeights otherEncoder = weights(three, 6);
    trainer(o, three, otherEncoder, "e").train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    assertEquals(21, fileKeys(cache).size(), "another encoder: new files for both splits");
  }

  @Test
  void aCacheWhoseIndexDoesNotFitTheTokensIsComputedAgain() throws IOException {
    Path cache = dir.resolve("cache");
    Map<String, Object> o = topOne(Map.of("loop.epochs", 1, "cache.dir", cache.toString()));
    Trainer.Result first = TrainerTest.trainer(TrainerTest.config(o), dir.resolve("a")).train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    Path index;
    try (var s = Files.list(cache)) {
      index = s.filter(f -> f.getFileName().toString().endsWith(".states.idx")).sorted().findFirst().orElseThrow();
    }
    Files.write(index, new byte[16]); // as if cut short
    Trainer.Result second = TrainerTest.trainer(TrainerTest.config(o), dir.resolve("b")).train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    assertNotEquals(16, Files.size(index), "the index was written again");
    assertEquals(TrainerTest.metricsOnly(first), TrainerTest.metricsOnly(second));
  }

  @Test
  void memoryMappedStatesGiveTheSameRun() {
    Map<String, Object> o = topOne(Map.of("loop.epochs", 1));
    Trainer.Result inMemory = TrainerTest.trainer(TrainerTest.config(o), dir.resolve("mem")).train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    o.put("cache.memory_mb", 0);
    Trainer.Result mapped = TrainerTest.trainer(TrainerTest.config(o), dir.resolve("map")).train(TrainerTest.TRAIN, TrainerTest.VAL, false);
    assertEquals(TrainerTest.metricsOnly(inMemory), TrainerTest.metricsOnly(mapped));
    assertArrayEquals(inMemory.kernel(), mapped.kernel());
  }

  @Test
  void statesHoldOnlyRealTokensAndBatchesPadThemWithZeros() throws IOException {
    List<int[]> ids = List.of(new int[] {1, 9, 10, 2}, new int[] {1, 2}, new int[] {1, 7, 8, 9, 11, 2});
    Path base = dir.resolve("probe");
    try (LayerStateCache.Extractor ex = new LayerStateCache.Extractor(TinyEncoder.CONFIG, TrainerTest.PRETRAINED, 1, Pooling.MEAN, 2)) {
      ex.extract(ids, 2, base, null);
    }
    int h = TinyEncoder.CONFIG.hiddenSize();
    assertEquals(12L * h * 4, Files.size(LayerStateCache.statesFile(base)), "4 + 2 + 6 token rows, no padding");
    LayerStateCache cache = LayerStateCache.open(base, ids, h, h, 1 << 20).orElseThrow();
    assertFalse(cache.spilled());
    float[] batch = cache.states(new int[] {1, 2}, 6);
    for (int k = 2 * h; k < 6 * h; k++) assertEquals(0f, batch[k], "padding rows of the 2-token example are zeros");
    float[] mapped = LayerStateCache.open(base, ids, h, h, 0).orElseThrow().states(new int[] {1, 2}, 6);
    assertArrayEquals(batch, mapped);
    // chunks of 5 token rows (4 + 2 + 6 rows): the 2-token example straddles chunks 0 and 1, the 6-token one chunks 1 and 2
    float[] chunked = LayerStateCache.open(base, ids, h, h, 0, 5 * h).orElseThrow().states(new int[] {1, 2}, 6);
    assertArrayEquals(batch, chunked);

    // each example's states are what layer 0 of the whole encoder computes for it alone
    for (int e = 0; e < ids.size(); e++) {
      float[] alone = layerZero(ids.get(e));
      float[] cached = cache.states(new int[] {e}, ids.get(e).length);
      assertArrayEquals(alone, cached, 1e-5f, "example " + e);
    }
    assertTrue(LayerStateCache.open(base, List.of(ids.get(0), ids.get(1), new int[] {1, 2}), h, h, 1 << 20).isEmpty(),
        "other token counts do not fit the index");
  }

  /** Layer 0's token vectors of one example through the whole tiny encoder, as a training graph computes them. */
  private static float[] layerZero(int[] ids) {
    try (Graph g = new Graph()) {
      BertEncoder e = BertEncoder.build(g, TinyEncoder.CONFIG, BertEncoder.Options.training(1).withDropoutFromDepth(2));
      TokenBatch b = TokenBatch.of(List.of(ids));
      Shape shape = Shape.of(1, b.seqLen());
      try (Session s = new Session(g)) {
        e.assign(s, TrainerTest.PRETRAINED);
        try (TInt32 w = TInt32.tensorOf(shape, DataBuffers.of(b.inputWordIds(), true, false));
            TInt32 m = TInt32.tensorOf(shape, DataBuffers.of(b.inputMask(), true, false));
            TInt32 t = TInt32.tensorOf(shape, DataBuffers.of(b.inputTypeIds(), true, false));
            Result r = s.runner().feed(e.inputWordIds(), w).feed(e.inputMask(), m).feed(e.inputTypeIds(), t).fetch(e.layerOutput(0)).run()) {
          return values((TFloat32) r.get(0));
        }
      }
    }
  }

  private static void assertSameMetrics(Trainer.Result expected, Trainer.Result actual) {
    List<TrainerState.HistoryRow> a = expected.state().history(), b = actual.state().history();
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).step(), b.get(i).step());
      assertEquals(a.get(i).valAccuracy(), b.get(i).valAccuracy(), "accuracy at row " + i);
      assertEquals(a.get(i).valMacroF1(), b.get(i).valMacroF1(), "macro-F1 at row " + i);
      assertEquals(a.get(i).trainLoss(), b.get(i).trainLoss(), TOLERANCE, "train loss at row " + i);
      assertEquals(a.get(i).valLoss(), b.get(i).valLoss(), TOLERANCE, "val loss at row " + i);
    }
    assertEquals(expected.bestValidation().accuracy(), actual.bestValidation().accuracy());
    assertEquals(expected.bestValidation().macroF1(), actual.bestValidation().macroF1());
    assertEquals(expected.state().bestStep(), actual.state().bestStep());
  }

  /** The trained classifier's logits on the val split, through the whole encoder as model/ computes them. */
  private static float[] logits(BertConfig config, Trainer.Result r, int wideBuckets) {
    ClassifierSpec spec = new ClassifierSpec(Pooling.MEAN, 2, TrainerTest.LABELS, 32).withWideBuckets(wideBuckets);
    TokenBatch b = TokenBatch.of(TrainerTest.VAL.tokenIds());
    Shape shape = Shape.of(b.size(), b.seqLen());
    try (Graph g = new Graph()) {
      ClassifierGraph c = ClassifierGraph.build(g, config, spec);
      try (Session s = new Session(g)) {
        c.load(s, r.encoderWeights(), r.kernel(), r.bias(), r.wide());
        try (TInt32 w = TInt32.tensorOf(shape, DataBuffers.of(b.inputWordIds(), true, false));
            TInt32 m = TInt32.tensorOf(shape, DataBuffers.of(b.inputMask(), true, false));
            TInt32 t = TInt32.tensorOf(shape, DataBuffers.of(b.inputTypeIds(), true, false));
            Result out = s.runner().feed(c.encoder().inputWordIds(), w).feed(c.encoder().inputMask(), m)
                .feed(c.encoder().inputTypeIds(), t).fetch(c.head().logits()).run()) {
          return values((TFloat32) out.get(0));
        }
      }
    }
  }

  private static float[] values(TFloat32 t) {
    float[] out = new float[(int) t.shape().size()];
    t.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  private Trainer trainer(Map<String, Object> o, BertConfig config, EncoderWeights weights, String run) {
    return new Trainer(TrainerTest.config(o), config, weights, TrainerTest.LABELS, dir.resolve(run), false);
  }

  private static EncoderWeights weights(BertConfig config, long seed) {
    try (Graph g = new Graph()) {
      BertEncoder e = BertEncoder.build(g, config, new BertEncoder.Options(false, seed));
      try (Session s = new Session(g)) {
        s.initialize();
        return e.readWeights(s);
      }
    }
  }

  /** Each file of the cache folder with its file key (a file written again is a new inode). */
  private static Map<String, Object> fileKeys(Path folder) throws IOException {
    Map<String, Object> out = new TreeMap<>();
    try (var s = Files.list(folder)) {
      for (Path f : s.toList()) out.put(f.getFileName().toString(), Files.readAttributes(f, BasicFileAttributes.class).fileKey());
    }
    return out;
  }
}
