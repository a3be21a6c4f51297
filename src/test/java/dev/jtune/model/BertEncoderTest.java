package dev.jtune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

class BertEncoderTest {

  static final BertConfig TINY = BertConfig.tiny(BertConfig.Pooler.DENSE);
  /** TINY with 3 heads and FFN 48 in layer 0, 1 head and FFN 40 in layer 1 (head size stays 8). */
  static final BertConfig PRUNED = TINY.withLayerShapes(List.of(new BertConfig.LayerShape(3, 48), new BertConfig.LayerShape(1, 40)));

  @ParameterizedTest(name = "pruned layers: {0}")
  @ValueSource(booleans = {false, true})
  void variablesCarryBertCheckpointNamesBlocksAndTheirLayersShapes(boolean pruned) {
    BertConfig cfg = pruned ? PRUNED : TINY;
    try (Graph g = new Graph()) {
      BertEncoder enc = BertEncoder.build(g, cfg, BertEncoder.Options.inference());
      List<EncoderVariable> vars = enc.variables();
      assertEquals(cfg.parameters(), vars.stream().map(EncoderVariable::parameter).toList());
      assertEquals(5 + 2 * 16 + 2, vars.size());
      for (EncoderVariable v : vars) {
        assertEquals("VariableV2", v.variable().op().type());
        assertEquals(v.name(), v.variable().op().name());
        assertEquals(v.parameter().shape(), v.variable().shape());
      }
      assertEquals("bert/embeddings/word_embeddings", vars.get(0).name());
      EncoderVariable q1 = vars.stream().filter(v -> v.name().equals("bert/encoder/layer_1/attention/self/query/kernel")).findFirst().orElseThrow();
      assertEquals(EncoderParameter.Block.LAYER, q1.parameter().block());
      assertEquals(1, q1.parameter().layer());
      assertEquals(2, q1.parameter().depth(cfg.numHiddenLayers()));
      assertEquals(Shape.of(32, pruned ? 8 : 32), q1.variable().shape());
      assertEquals(EncoderParameter.Block.POOLER, vars.get(vars.size() - 1).parameter().block());
      assertEquals("sequence_output", enc.sequenceOutput().op().name());
      assertEquals("pooled_output", enc.pooledOutput().op().name());
    }
  }

  @Test
  void initializersFollowBertsSchemeAndTheSeed() {
    EncoderWeights a = randomWeights(TINY, 7), b = randomWeights(TINY, 7), c = randomWeights(TINY, 8);
    assertEquals(0, a.maxAbsDifference(b), "same seed, same weights");
    for (String name : a.names()) {
      float[] v = a.get(name).values();
      if (name.endsWith("/gamma")) {
        for (float x : v) assertEquals(1f, x, name);
      } else if (name.endsWith("/beta") || name.endsWith("/bias")) {
        for (float x : v) assertEquals(0f, x, name);
      } else {
        // truncated normal, stddev 0.02: nothing beyond two standard deviations; another seed draws other values
        for (float x : v) assertTrue(Math.abs(x) <= 0.04f, name + " holds " + x);
        assertTrue(!Arrays.equals(v, c.get(name).values()), name + " is the same under another seed");
      }
    }
  }

  @Test
  void anInferenceGraphDrawsNoRandomValuesAndLoadsItsWeightsAsAnyOther() {
    try (Graph g = new Graph()) {
      BertEncoder enc = BertEncoder.build(g, TINY, BertEncoder.Options.inference());
      assertEquals(0, countOps(g, "TruncatedNormal"), "constant fills only");
      EncoderWeights a = randomWeights(TINY, 7);
      try (Session s = new Session(g)) {
        s.initialize();
        for (EncoderVariable v : enc.variables()) {
          float expected = v.name().endsWith("/gamma") ? 1f : 0f;
          for (float x : enc.readWeights(s).get(v.name()).values()) assertEquals(expected, x, v.name());
        }
        enc.assign(s, a);
        assertEquals(0, enc.readWeights(s).maxAbsDifference(a));
      }
    }
    try (Graph g = new Graph()) {
      BertEncoder.build(g, TINY, BertEncoder.Options.training(3));
      assertTrue(countOps(g, "TruncatedNormal") > 0, "a training graph keeps BERT's seeded random initializers");
    }
  }

  @Test
  void assignReplacesTheInitialWeightsAndRunsPendingInitializers() {
    EncoderWeights a = randomWeights(TINY, 7);
    try (Graph g = new Graph()) {
      BertEncoder enc = BertEncoder.build(g, TINY, BertEncoder.Options.inference().withSeed(8));
      // a head added after the encoder, as a trainer does; assign() runs its initializer too
      var head = Ops.create(g).withName("head_kernel").variable(Ops.create(g).withInitScope().zeros(
          Ops.create(g).withInitScope().constant(new long[] {TINY.hiddenSize(), 2}), TFloat32.class));
      try (Session s = new Session(g)) {
        enc.assign(s, a);
        assertEquals(0, enc.readWeights(s).maxAbsDifference(a));
        s.initialize(); // must not re-run the encoder's random initializers
        assertEquals(0, enc.readWeights(s).maxAbsDifference(a));
        try (Result r = s.runner().fetch(head).run()) {
          assertEquals(0f, ((TFloat32) r.get(0)).getFloat(0, 0));
        }
      }
    }
  }

  @Test
  void paddingDoesNotChangeRealTokenOutputs() {
    TokenRows rows = TokenRows.random(new Random(3), 3, 9, TINY.vocabSize());
    TokenRows padded = rows.padTo(14);
    try (Graph g = new Graph()) {
      BertEncoder enc = BertEncoder.build(g, TINY, BertEncoder.Options.inference().withSeed(1));
      try (Session s = new Session(g)) {
        s.initialize();
        float[][] short_ = forward(s, enc, rows), long_ = forward(s, enc, padded);
        int h = TINY.hiddenSize();
        for (int b = 0; b < rows.batch; b++) {
          for (int t = 0; t < rows.seq; t++) {
            if (rows.mask[b * rows.seq + t] == 0) continue;
            for (int i = 0; i < h; i++) {
              assertEquals(short_[0][(b * rows.seq + t) * h + i], long_[0][(b * padded.seq + t) * h + i], 1e-5);
            }
          }
        }
        assertArrayEquals(short_[1], long_[1], 1e-5f);
      }
    }
  }

  @Test
  void meanPoolerAveragesRealTokens() {
    BertConfig cfg = BertConfig.tiny(BertConfig.Pooler.MEAN);
    TokenRows rows = TokenRows.random(new Random(4), 2, 6, cfg.vocabSize());
    try (Graph g = new Graph()) {
      BertEncoder enc = BertEncoder.build(g, cfg, BertEncoder.Options.inference());
      assertTrue(enc.variables().stream().noneMatch(v -> v.parameter().block() == EncoderParameter.Block.POOLER));
      try (Session s = new Session(g)) {
        s.initialize();
        float[][] out = forward(s, enc, rows);
        int h = cfg.hiddenSize();
        for (int b = 0; b < rows.batch; b++) {
          for (int i = 0; i < h; i++) {
            double sum = 0;
            int n = 0;
            for (int t = 0; t < rows.seq; t++) {
              if (rows.mask[b * rows.seq + t] == 1) {
                sum += out[0][(b * rows.seq + t) * h + i];
                n++;
              }
            }
            assertEquals(sum / n, out[1][b * h + i], 1e-5);
          }
        }
      }
    }
  }

  @Test
  void dropoutDefaultsToOffFollowsTheFedSeedAndSkipsBlocksBelowItsDepth() {
    TokenRows rows = TokenRows.random(new Random(5), 2, 8, TINY.vocabSize());
    float[][] plain;
    try (Graph g = new Graph()) {
      BertEncoder enc = BertEncoder.build(g, TINY, BertEncoder.Options.inference().withSeed(2));
      try (Session s = new Session(g)) {
        s.initialize();
        plain = run(s, enc, rows, 0, 0);
      }
    }
    try (Graph g = new Graph()) {
      BertEncoder enc = BertEncoder.build(g, TINY, BertEncoder.Options.training(2));
      // after the embeddings, then per layer on the attention probabilities and before both residual adds
      assertEquals(1 + 2 * 3, countOps(g, "StatelessRandomUniform"));
      try (Session s = new Session(g)) {
        s.initialize();
        assertArrayEquals(plain[1], forward(s, enc, rows)[0], 1e-6f, "rate not fed: no dropout");
        float[][] dropped = run(s, enc, rows, 0.3f, 1);
        assertNotEquals(0, maxAbsDiff(plain[0], dropped[0]), 1e-3, "layer 0 gets dropout");
        assertNotEquals(0, maxAbsDiff(plain[1], dropped[1]), 1e-3);
        assertArrayEquals(dropped[1], run(s, enc, rows, 0.3f, 1)[1], "same seed, same masks (stateless)");
        assertNotEquals(0, maxAbsDiff(dropped[1], run(s, enc, rows, 0.3f, 2)[1]), 1e-3, "another seed, other masks");
      }
    }
    try (Graph g = new Graph()) {
      // depth 2 = layer 1 of the two: the embeddings and layer 0 run as at inference
      BertEncoder enc = BertEncoder.build(g, TINY, BertEncoder.Options.training(2).withDropoutFromDepth(2));
      assertEquals(3, countOps(g, "StatelessRandomUniform"), "layer 1's three only");
      try (Session s = new Session(g)) {
        s.initialize();
        float[][] top = run(s, enc, rows, 0.3f, 1);
        assertArrayEquals(plain[0], top[0], 1e-6f, "layer 0 has no dropout");
        assertNotEquals(0, maxAbsDiff(plain[1], top[1]), 1e-3, "layer 1 has");
      }
    }
  }

  @Test
  void layerNormIsFusedExactlyWhenTheOptionsSaySoAndBothFormsAgree() {
    // one LayerNorm after the embeddings and two per layer
    assertEquals(5, fusedLayerNorms(BertEncoder.Options.inference()));
    assertEquals(0, fusedLayerNorms(BertEncoder.Options.training(1)));
    assertEquals(0, fusedLayerNorms(BertEncoder.Options.inference().withFusedLayerNorm(false)));
    assertEquals(5, fusedLayerNorms(BertEncoder.Options.training(1).withFusedLayerNorm(true)));
    assertEquals(new BertEncoder.Options(false, 4, 0, true, false), BertEncoder.Options.inference().withSeed(4));
    assertEquals(new BertEncoder.Options(true, 4, 0, false, false), BertEncoder.Options.training(4));

    EncoderWeights w = randomWeights(TINY, 12);
    TokenRows rows = TokenRows.random(new Random(13), 3, 9, TINY.vocabSize());
    float[][] fused = forward(TINY, BertEncoder.Options.inference(), w, rows);
    float[][] plain = forward(TINY, BertEncoder.Options.inference().withFusedLayerNorm(false), w, rows);
    assertArrayEquals(plain[0], fused[0], 1e-5f);
    assertArrayEquals(plain[1], fused[1], 1e-5f);
  }

  private static long fusedLayerNorms(BertEncoder.Options options) {
    try (Graph g = new Graph()) {
      BertEncoder.build(g, TINY, options);
      return countOps(g, "FusedBatchNormV3");
    }
  }

  /**
   * A pruned layer is the full layer without the removed heads and feed-forward units: the encoder
   * built from {@link #PRUNED} on the kept slices of full weights computes what the full encoder
   * computes when the removed heads' values and the removed units' inputs are zero (then they add
   * nothing to the attention output and the feed-forward output).
   */
  @ParameterizedTest(name = "training graph: {0}")
  @ValueSource(booleans = {false, true})
  void aLayerWithFewerHeadsAndUnitsComputesTheFullLayerWithoutThem(boolean trainingGraph) {
    List<int[]> keptHeads = List.of(new int[] {0, 2, 3}, new int[] {2});
    List<int[]> keptUnits = List.of(keep(64, u -> u % 4 != 1), keep(64, u -> u % 8 < 5));
    assertEquals(48, keptUnits.get(0).length);
    assertEquals(40, keptUnits.get(1).length);
    EncoderWeights full = randomWeights(TINY, 14);
    BertEncoder.Options options = trainingGraph ? BertEncoder.Options.training(1) : BertEncoder.Options.inference();
    TokenRows rows = TokenRows.random(new Random(15), 3, 9, TINY.vocabSize());
    float[][] pruned = forward(PRUNED, options, prune(full, keptHeads, keptUnits, true), rows);
    float[][] zeroed = forward(TINY, options, prune(full, keptHeads, keptUnits, false), rows);
    float[][] unpruned = forward(TINY, options, full, rows);
    assertArrayEquals(zeroed[0], pruned[0], 1e-5f);
    assertArrayEquals(zeroed[1], pruned[1], 1e-5f);
    assertTrue(maxAbsDiff(unpruned[0], pruned[0]) > 1e-3, "the removed heads and units did contribute before");
  }

  private static int[] keep(int n, java.util.function.IntPredicate kept) {
    return java.util.stream.IntStream.range(0, n).filter(kept).toArray();
  }

  /**
   * Weights of {@link #TINY} with only the kept heads and units of each layer: sliced out when
   * {@code slice} (shapes of {@link #PRUNED}), else left in place with the removed heads' value
   * columns and the removed units' intermediate columns set to zero.
   */
  static EncoderWeights prune(EncoderWeights full, List<int[]> keptHeads, List<int[]> keptUnits, boolean slice) {
    if (slice) return StructuredPruning.apply(new PretrainedEncoder(TINY, full), new StructuredPruning.Plan(keptHeads, keptUnits)).weights();
    Map<String, EncoderWeights.Weight> out = new LinkedHashMap<>(full.asMap());
    int d = TINY.headSize();
    for (int l = 0; l < keptHeads.size(); l++) {
      String p = "bert/encoder/layer_" + l + "/";
      int[] columns = Arrays.stream(keptHeads.get(l)).flatMap(h -> java.util.stream.IntStream.range(h * d, h * d + d)).toArray();
      for (String name : List.of("attention/self/value/kernel", "attention/self/value/bias")) {
        out.put(p + name, zeroColumnsBut(full.get(p + name), columns));
      }
      for (String name : List.of("intermediate/dense/kernel", "intermediate/dense/bias")) {
        out.put(p + name, zeroColumnsBut(full.get(p + name), keptUnits.get(l)));
      }
    }
    return EncoderWeights.of(out);
  }

  private static EncoderWeights.Weight zeroColumnsBut(EncoderWeights.Weight w, int[] keep) {
    int cols = (int) w.shape().get(w.shape().numDimensions() - 1);
    boolean[] kept = new boolean[cols];
    for (int k : keep) kept[k] = true;
    float[] v = w.values().clone();
    for (int i = 0; i < v.length; i++) if (!kept[i % cols]) v[i] = 0;
    return new EncoderWeights.Weight(w.shape(), v);
  }

  /** sequence_output and pooled_output of an encoder built with {@code options} and loaded with {@code weights}. */
  static float[][] forward(BertConfig cfg, BertEncoder.Options options, EncoderWeights weights, TokenRows rows) {
    try (Graph g = new Graph()) {
      BertEncoder enc = BertEncoder.build(g, cfg, options);
      try (Session s = new Session(g)) {
        enc.assign(s, weights);
        return forward(s, enc, rows);
      }
    }
  }

  static long countOps(Graph g, String type) {
    long n = 0;
    for (var it = g.operations(); it.hasNext(); ) if (it.next().type().equals(type)) n++;
    return n;
  }

  /** Layer 0's output and the sequence output, with the given dropout rate and seed fed if rate > 0. */
  private static float[][] run(Session s, BertEncoder enc, TokenRows rows, float rate, long seed) {
    try (TFloat32 rateT = TFloat32.scalarOf(rate); TInt64 seedT = TInt64.vectorOf(seed, 0); var in = rows.tensors()) {
      Session.Runner runner = s.runner().feed(enc.inputWordIds(), in.ids).feed(enc.inputMask(), in.mask).feed(enc.inputTypeIds(), in.types);
      if (rate > 0) runner.feed(enc.dropoutRate(), rateT).feed(enc.dropoutSeed(), seedT);
      try (Result r = runner.fetch(enc.layerOutput(0)).fetch(enc.sequenceOutput()).run()) {
        return new float[][] {values((TFloat32) r.get(0)), values((TFloat32) r.get(1))};
      }
    }
  }

  /**
   * Every parameter receives a finite, non-zero gradient of a loss touching both outputs, and the
   * analytic gradient agrees with central finite differences on the largest entries.
   */
  @ParameterizedTest(name = "training graph: {0}, pruned layers: {1}")
  @CsvSource({"true, false", "false, false", "true, true", "false, true"})
  void gradientsReachEveryVariableAndMatchFiniteDifferences(boolean trainingGraph, boolean pruned) {
    BertConfig cfg = pruned ? PRUNED : TINY;
    TokenRows rows = TokenRows.random(new Random(6), 3, 7, cfg.vocabSize());
    Random r = new Random(9);
    int h = cfg.hiddenSize();
    float[] seqWeights = new float[rows.batch * rows.seq * h], poolWeights = new float[rows.batch * h];
    for (int i = 0; i < seqWeights.length; i++) seqWeights[i] = (float) r.nextGaussian();
    for (int i = 0; i < poolWeights.length; i++) poolWeights[i] = (float) r.nextGaussian();
    try (Graph g = new Graph()) {
      BertEncoder.Options options = trainingGraph ? BertEncoder.Options.training(3) : BertEncoder.Options.inference().withSeed(3);
      BertEncoder enc = BertEncoder.build(g, cfg, options);
      Ops tf = Ops.create(g);
      Operand<TFloat32> seqW = tf.constant(Shape.of(rows.batch, rows.seq, h), DataBuffers.of(seqWeights));
      Operand<TFloat32> poolW = tf.constant(Shape.of(rows.batch, h), DataBuffers.of(poolWeights));
      Operand<TFloat32> loss = tf.math.add(
          tf.reduceSum(tf.math.mul(enc.sequenceOutput(), seqW), tf.constant(new int[] {0, 1, 2})),
          tf.reduceSum(tf.math.mul(enc.pooledOutput(), poolW), tf.constant(new int[] {0, 1})));
      List<EncoderVariable> vars = enc.variables();
      Output<?>[] grads = g.addGradients(loss.asOutput(), vars.stream().map(v -> v.variable().asOutput()).toArray(Output<?>[]::new));
      try (Session s = new Session(g); var in = rows.tensors()) {
        s.initialize();
        Map<String, float[]> gradByName = new LinkedHashMap<>();
        Session.Runner run = in.feed(s.runner(), enc);
        for (Output<?> gr : grads) run.fetch(gr);
        try (Result res = run.run()) {
          for (int i = 0; i < vars.size(); i++) gradByName.put(vars.get(i).name(), values((TFloat32) res.get(i)));
        }
        for (var e : gradByName.entrySet()) {
          double norm = 0;
          for (float v : e.getValue()) {
            assertTrue(Float.isFinite(v), e.getKey() + " has a non-finite gradient");
            norm += v * v;
          }
          assertTrue(norm > 0, e.getKey() + " gets no gradient");
        }
        EncoderWeights base = enc.readWeights(s);
        for (String name : List.of("bert/embeddings/position_embeddings", "bert/encoder/layer_0/attention/self/key/kernel",
            "bert/encoder/layer_1/intermediate/dense/bias", "bert/encoder/layer_1/output/LayerNorm/gamma", "bert/pooler/dense/kernel")) {
          float[] grad = gradByName.get(name);
          int at = argMaxAbs(grad);
          double eps = 1e-2;
          double numeric = (lossWith(s, enc, in, loss, base, name, at, eps) - lossWith(s, enc, in, loss, base, name, at, -eps)) / (2 * eps);
          assertEquals(grad[at], numeric, 2e-2 * Math.abs(grad[at]) + 1e-2, name + "[" + at + "]");
        }
      }
    }
  }

  /**
   * The top layer built over fed states computes, for every real token and with dropout on, what the
   * whole encoder computes from layer 0's output, even when padded rows are fed as zeros; it holds only
   * the top layer's and the pooler's variables, under their names.
   */
  @Test
  void layersFromADepthOnMatchTheWholeEncoderOverFedStates() {
    TokenRows rows = TokenRows.random(new Random(4), 3, 9, TINY.vocabSize());
    EncoderWeights weights = randomWeights(TINY, 8);
    int h = TINY.hiddenSize();
    BertEncoder.Options options = BertEncoder.Options.training(1).withDropoutFromDepth(2);
    float[] layer0, expected;
    try (Graph g = new Graph()) {
      BertEncoder whole = BertEncoder.build(g, TINY, options);
      try (Session s = new Session(g)) {
        whole.assign(s, weights);
        float[][] out = run(s, whole, rows, 0.3f, 17);
        layer0 = out[0];
        expected = out[1];
      }
    }
    for (int i = 0; i < rows.mask.length; i++) {
      if (rows.mask[i] == 0) Arrays.fill(layer0, i * h, (i + 1) * h, 0f); // padding rows as a cache feeds them
    }
    try (Graph g = new Graph()) {
      BertEncoder top = BertEncoder.buildFrom(g, TINY, options, 1);
      assertEquals(1, top.firstLayer());
      assertTrue(top.variables().stream().allMatch(v -> v.parameter().depth(2) >= 2), "no embeddings, no layer 0");
      assertEquals(TINY.parameters().stream().filter(p -> p.depth(2) >= 2).toList(),
          top.variables().stream().map(EncoderVariable::parameter).toList());
      try (Session s = new Session(g);
          TFloat32 states = TFloat32.tensorOf(Shape.of(rows.batch, rows.seq, h), DataBuffers.of(layer0, true, false));
          TInt32 mask = TInt32.tensorOf(Shape.of(rows.batch, rows.seq), DataBuffers.of(rows.mask, true, false));
          TFloat32 rate = TFloat32.scalarOf(0.3f);
          TInt64 seed = TInt64.vectorOf(17, 0)) {
        top.assign(s, weights);
        try (Result r = s.runner().feed(top.inputHiddenStates(), states).feed(top.inputMask(), mask)
            .feed(top.dropoutRate(), rate).feed(top.dropoutSeed(), seed).fetch(top.sequenceOutput()).run()) {
          float[] actual = values((TFloat32) r.get(0));
          for (int i = 0; i < rows.mask.length; i++) {
            if (rows.mask[i] == 0) continue;
            for (int k = i * h; k < (i + 1) * h; k++) assertEquals(expected[k], actual[k], 1e-5, "token row " + i);
          }
        }
        assertEquals(0.0, top.readWeights(s).maxAbsDifference(weights));
      }
      org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> top.layerOutput(0));
    }
    try (Graph g = new Graph()) {
      org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> BertEncoder.buildFrom(g, TINY, BertEncoder.Options.training(1), 1), "dropout below the first layer would shift the seeds");
    }
  }

  // ------------------------------------------------------------------------------------------

  static EncoderWeights randomWeights(BertConfig cfg, long seed) {
    try (Graph g = new Graph()) {
      BertEncoder enc = BertEncoder.build(g, cfg, BertEncoder.Options.inference().withSeed(seed));
      try (Session s = new Session(g)) {
        s.initialize();
        return enc.readWeights(s);
      }
    }
  }

  private static double lossWith(Session s, BertEncoder enc, TokenRows.Tensors in, Operand<TFloat32> loss,
      EncoderWeights base, String name, int index, double delta) {
    Map<String, EncoderWeights.Weight> changed = new LinkedHashMap<>(base.asMap());
    EncoderWeights.Weight w = base.get(name);
    float[] v = w.values().clone();
    v[index] += (float) delta;
    changed.put(name, new EncoderWeights.Weight(w.shape(), v));
    enc.assign(s, EncoderWeights.of(changed));
    try (Result r = in.feed(s.runner(), enc).fetch(loss).run()) {
      return ((TFloat32) r.get(0)).getFloat();
    } finally {
      enc.assign(s, base);
    }
  }

  static float[][] forward(Session s, BertEncoder enc, TokenRows rows) {
    try (var in = rows.tensors(); Result r = in.feed(s.runner(), enc).fetch(enc.sequenceOutput()).fetch(enc.pooledOutput()).run()) {
      return new float[][] {values((TFloat32) r.get(0)), values((TFloat32) r.get(1))};
    }
  }

  static float[] values(TFloat32 t) {
    float[] out = new float[(int) t.shape().size()];
    t.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  static double maxAbsDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  }

  private static int argMaxAbs(float[] a) {
    int best = 0;
    for (int i = 1; i < a.length; i++) if (Math.abs(a[i]) > Math.abs(a[best])) best = i;
    return best;
  }

  /** A padded batch of token ids for tests: row lengths vary, types switch to 1 halfway. */
  static final class TokenRows {
    final int batch, seq;
    final int[] ids, mask, types;

    TokenRows(int batch, int seq, int[] ids, int[] mask, int[] types) {
      this.batch = batch;
      this.seq = seq;
      this.ids = ids;
      this.mask = mask;
      this.types = types;
    }

    static TokenRows random(Random r, int batch, int seq, int vocab) {
      int[] ids = new int[batch * seq], mask = new int[batch * seq], types = new int[batch * seq];
      for (int b = 0; b < batch; b++) {
        int len = b == 0 ? seq : 2 + r.nextInt(seq - 1);
        for (int t = 0; t < len; t++) {
          ids[b * seq + t] = t == 0 ? 1 : 3 + r.nextInt(vocab - 3);
          mask[b * seq + t] = 1;
          types[b * seq + t] = t < len / 2 ? 0 : 1;
        }
      }
      return new TokenRows(batch, seq, ids, mask, types);
    }

    TokenRows padTo(int newSeq) {
      int[] i2 = new int[batch * newSeq], m2 = new int[batch * newSeq], t2 = new int[batch * newSeq];
      for (int b = 0; b < batch; b++) {
        System.arraycopy(ids, b * seq, i2, b * newSeq, seq);
        System.arraycopy(mask, b * seq, m2, b * newSeq, seq);
        System.arraycopy(types, b * seq, t2, b * newSeq, seq);
      }
      return new TokenRows(batch, newSeq, i2, m2, t2);
    }

    Tensors tensors() {
      Shape shape = Shape.of(batch, seq);
      return new Tensors(TInt32.tensorOf(shape, DataBuffers.of(ids, true, false)),
          TInt32.tensorOf(shape, DataBuffers.of(mask, true, false)), TInt32.tensorOf(shape, DataBuffers.of(types, true, false)));
    }

    record Tensors(TInt32 ids, TInt32 mask, TInt32 types) implements AutoCloseable {
      Session.Runner feed(Session.Runner run, BertEncoder enc) {
        return run.feed(enc.inputWordIds(), ids).feed(enc.inputMask(), mask).feed(enc.inputTypeIds(), types);
      }

      @Override
      public void close() {
        ids.close();
        mask.close();
        types.close();
      }
    }
  }

}
