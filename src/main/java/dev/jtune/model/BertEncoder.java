package dev.jtune.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.PlaceholderWithDefault;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.op.random.TruncatedNormal;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Builds a BERT encoder from raw TensorFlow ops into a {@link Graph}: the TF Hub encoder inputs
 * ({@code input_word_ids}, {@code input_mask}, {@code input_type_ids}: int32 [batch, seq]) to
 * {@code sequence_output} [batch, seq, H] and {@code pooled_output} [batch, H].
 *
 * <p>Parameters are {@code VariableV2} ops named exactly as in the original BERT checkpoints (the
 * only kind a TF-Java SavedModel export saves and gradients flow into). Each has a seeded random
 * initializer, run by {@link Session#initialize()}; {@link #assign} then loads pretrained values.
 * A trainer adds its head, loss and optimizer to the same graph, using {@link #variables()} to pick
 * what to train and {@link #dropoutRate()} to switch dropout on; an exporter builds it with
 * {@link Options#inference()} for a clean graph.
 *
 * <p>Layout choices for speed on CPU: all dense layers run on [batch*seq, H] matrices, attention
 * uses BatchMatMulV2 on [batch, heads, seq, head] with the mask turned into an additive bias once.
 */
public final class BertEncoder {

  /**
   * How to build the encoder.
   *
   * @param dropout whether to add dropout ops (driven by {@link #dropoutRate()} and {@link #dropoutSeed()})
   * @param seed seed of the random initializers
   * @param dropoutFromDepth the shallowest block that gets dropout, by {@link EncoderParameter#depth}
   *     (0 = embeddings and every layer; {@code 1 + l} = layer l and above)
   * @param fusedLayerNorm write each LayerNorm as a training-mode FusedBatchNormV3, the form oneDNN
   *     turns into one kernel (inference graphs); false keeps the plain mean/variance ops, whose
   *     gradients are the verified ones (training graphs)
   */
  public record Options(boolean dropout, long seed, int dropoutFromDepth, boolean fusedLayerNorm, boolean unitMasks) {
    /** Fused LayerNorm exactly when there is no dropout, i.e. in inference graphs. */
    public Options(boolean dropout, long seed, int dropoutFromDepth) {
      this(dropout, seed, dropoutFromDepth, !dropout, false);
    }

    public Options(boolean dropout, long seed) {
      this(dropout, seed, 0);
    }

    /**
     * The seed of {@link #inference()}: no random draw at all, every variable starts as a constant fill.
     * An inference graph's weights are always loaded by {@link #assign} before use, and drawing 22M
     * truncated-normal values costs about 0.7 s per session on 2 cores (a fill, milliseconds).
     */
    public static final long UNSEEDED = Long.MIN_VALUE;

    /** No dropout ops, fused LayerNorm; constant-filled initializers ({@link #UNSEEDED}; {@link #withSeed} draws random ones). */
    public static Options inference() {
      return new Options(false, UNSEEDED);
    }

    /** Dropout ops in every block (rate 0 unless fed), plain LayerNorm; initializers seeded. */
    public static Options training(long seed) {
      return new Options(true, seed);
    }

    public Options withSeed(long newSeed) {
      return new Options(dropout, newSeed, dropoutFromDepth, fusedLayerNorm, unitMasks);
    }

    /** Dropout only in blocks at {@code depth} and above (the ones that train). */
    public Options withDropoutFromDepth(int depth) {
      return new Options(dropout, seed, depth, fusedLayerNorm, unitMasks);
    }

    /** The same options with the LayerNorm written fused ({@code true}) or as plain ops ({@code false}). */
    public Options withFusedLayerNorm(boolean fused) {
      return new Options(dropout, seed, dropoutFromDepth, fused, unitMasks);
    }

    /**
     * With a mask input per layer over its heads ({@link #headMask}) and its feed-forward neurons
     * ({@link #ffnMask}), ones unless fed: the gradient of a loss with respect to them is the
     * importance of each unit (Michel et al. 2019). Inference and training graphs have none.
     */
    public Options withUnitMasks() {
      return new Options(dropout, seed, dropoutFromDepth, fusedLayerNorm, true);
    }
  }

  public static final String INPUT_WORD_IDS = "input_word_ids";
  public static final String INPUT_MASK = "input_mask";
  public static final String INPUT_TYPE_IDS = "input_type_ids";
  /** The fed input of an encoder built {@link #buildFrom from a layer on}: float32 [batch, seq, H]. */
  public static final String INPUT_HIDDEN_STATES = "input_hidden_states";
  public static final String SEQUENCE_OUTPUT = "sequence_output";
  public static final String POOLED_OUTPUT = "pooled_output";
  public static final String SIGNATURE_KEY = "serving_default";

  private static final float INIT_STDDEV = 0.02f;
  // additive attention bias for padded keys: exp(-10000) underflows to exactly 0 in float32
  private static final float MASKED_LOGIT = -10000f;

  private final Graph graph;
  private final Ops tf;
  private final BertConfig config;
  private final Options options;
  private final int firstLayer; // 0 for the whole encoder: the layers below it are not in the graph
  private final Map<String, Ops> scopes = new HashMap<>();
  private final List<EncoderVariable> variables = new ArrayList<>();
  private final Map<String, Variable<TFloat32>> byName = new LinkedHashMap<>();
  private long randomOps;
  private long dropoutOps;

  private Placeholder<TInt32> inputWordIds;
  private Placeholder<TInt32> inputMask;
  private Placeholder<TInt32> inputTypeIds;
  private Placeholder<TFloat32> inputHiddenStates;
  private PlaceholderWithDefault<TFloat32> dropoutRate;
  private PlaceholderWithDefault<TInt64> dropoutSeed;
  private Operand<TFloat32> sequenceOutput;
  private final List<Operand<TFloat32>> layerOutputs = new ArrayList<>();
  private final Map<Integer, PlaceholderWithDefault<TFloat32>> headMasks = new HashMap<>();
  private final Map<Integer, PlaceholderWithDefault<TFloat32>> ffnMasks = new HashMap<>();
  private Operand<TFloat32> pooledOutput;
  private Operand<TFloat32> clsOutput;
  private Operand<TFloat32> meanOutput;
  private Operand<TFloat32> maskFloat;
  private final List<Operand<TFloat32>> initValues = new ArrayList<>();
  private final List<GraphOperation> initAssigns = new ArrayList<>();

  private BertEncoder(Graph graph, BertConfig config, Options options, int firstLayer) {
    this.graph = graph;
    this.tf = Ops.create(graph);
    this.config = config;
    this.options = options;
    this.firstLayer = firstLayer;
  }

  /**
   * Adds the encoder to {@code graph} (which must not hold one already: op names are fixed).
   * Placeholders and outputs get the TF Hub names at the graph's root.
   */
  public static BertEncoder build(Graph graph, BertConfig config, Options options) {
    if (graph.operation(INPUT_WORD_IDS) != null || graph.operation("bert/embeddings/word_embeddings") != null) {
      throw new IllegalStateException("graph already holds an encoder");
    }
    BertEncoder e = new BertEncoder(graph, config, options, 0);
    e.buildGraph();
    return e;
  }

  /**
   * Adds only transformer layers {@code firstLayer..L-1} and the pooler, over a fed input {@value
   * #INPUT_HIDDEN_STATES} (float32 [batch, seq, H]: the hidden states entering layer {@code
   * firstLayer}) and {@value #INPUT_MASK}; no embeddings, no word-id or type-id inputs. Variables,
   * dropout ops and their seeds are those the whole encoder has for these layers, so a graph that
   * trains only the top layers can be fed the frozen layers' output computed once: a real token's
   * output does not depend on padded rows (the mask removes them as keys), so padding may be zeros.
   * Dropout must not reach below {@code firstLayer} ({@link Options#dropoutFromDepth()} >= {@code
   * firstLayer + 1}), or the seeds would differ from the whole encoder's.
   */
  public static BertEncoder buildFrom(Graph graph, BertConfig config, Options options, int firstLayer) {
    if (firstLayer < 1 || firstLayer >= config.numHiddenLayers()) {
      throw new IllegalArgumentException("first layer must be in [1, " + (config.numHiddenLayers() - 1) + "], got " + firstLayer);
    }
    if (options.dropout() && options.dropoutFromDepth() < firstLayer + 1) {
      throw new IllegalArgumentException("dropout from depth " + options.dropoutFromDepth() + " reaches below layer " + firstLayer);
    }
    if (graph.operation(INPUT_MASK) != null) throw new IllegalStateException("graph already holds an encoder");
    BertEncoder e = new BertEncoder(graph, config, options, firstLayer);
    e.buildGraph();
    return e;
  }

  /** The lowest transformer layer in the graph: 0 for the whole encoder, else the one {@link #buildFrom} started at. */
  public int firstLayer() {
    return firstLayer;
  }

  /** The fed hidden states [batch, seq, H] of an encoder built {@link #buildFrom from a layer on}; null for the whole encoder. */
  public Placeholder<TFloat32> inputHiddenStates() {
    return inputHiddenStates;
  }

  public BertConfig config() {
    return config;
  }

  public Graph graph() {
    return graph;
  }

  public Placeholder<TInt32> inputWordIds() {
    return inputWordIds;
  }

  /** Layer {@code l}'s mask over its heads, [heads] (built {@link Options#withUnitMasks}; a layer without heads has none). */
  public PlaceholderWithDefault<TFloat32> headMask(int l) {
    PlaceholderWithDefault<TFloat32> m = headMasks.get(l);
    if (m == null) throw new IllegalArgumentException("no head mask for layer " + l + " (built without unit masks, or no heads)");
    return m;
  }

  /** Layer {@code l}'s mask over its feed-forward neurons, [ffn] (built {@link Options#withUnitMasks}). */
  public PlaceholderWithDefault<TFloat32> ffnMask(int l) {
    PlaceholderWithDefault<TFloat32> m = ffnMasks.get(l);
    if (m == null) throw new IllegalArgumentException("no feed-forward mask for layer " + l + " (built without unit masks)");
    return m;
  }

  public Placeholder<TInt32> inputMask() {
    return inputMask;
  }

  public Placeholder<TInt32> inputTypeIds() {
    return inputTypeIds;
  }

  /**
   * [batch * seq, H]: the token vectors that leave transformer layer {@code layer} (0-based); the
   * last one is {@link #sequenceOutput()} before its reshape to [batch, seq, H]. Only layers from
   * {@link #firstLayer()} on are in the graph.
   */
  public Operand<TFloat32> layerOutput(int layer) {
    if (layer < firstLayer) throw new IllegalArgumentException("layer " + layer + " is below the graph's first layer " + firstLayer);
    return layerOutputs.get(layer);
  }

  /** [batch, seq, H]: the last layer's token vectors (op {@code sequence_output}). */
  public Operand<TFloat32> sequenceOutput() {
    return sequenceOutput;
  }

  /**
   * [batch, H] (op {@code pooled_output}): tanh(dense([CLS])) with a trained pooler, otherwise the
   * masked mean of {@link #sequenceOutput()}.
   */
  public Operand<TFloat32> pooledOutput() {
    return pooledOutput;
  }

  /** [batch, H]: the [CLS] (first) token vector of {@link #sequenceOutput()}. */
  public Operand<TFloat32> clsOutput() {
    return clsOutput;
  }

  /** [batch, H]: mean of {@link #sequenceOutput()} over the tokens whose mask is 1. */
  public Operand<TFloat32> meanOutput() {
    return meanOutput;
  }

  /**
   * Applies the trained pooler (tanh(dense(x))) if the config has one, else returns {@code x}: what a
   * classifier head puts between its pooling ([CLS] or mean) and its own dense layer.
   */
  public Operand<TFloat32> applyPooler(Operand<TFloat32> pooled) {
    if (!config.hasDensePooler()) return pooled;
    return tf.math.tanh(dense(pooled, var("bert/pooler/dense/kernel"), var("bert/pooler/dense/bias")));
  }

  /**
   * Scalar dropout probability, default 0 (inference); feed e.g. 0.1 on training steps. Only exists
   * when built with {@link Options#training(long)}.
   */
  public PlaceholderWithDefault<TFloat32> dropoutRate() {
    if (dropoutRate == null) throw new IllegalStateException("encoder was built without dropout (Options.inference())");
    return dropoutRate;
  }

  /**
   * Seed pair of the stateless dropout masks, default {0, 0}; feed a new one each training step
   * (the n-th dropout op in the graph draws with the pair plus {n, 0}).
   */
  public PlaceholderWithDefault<TInt64> dropoutSeed() {
    if (dropoutSeed == null) throw new IllegalStateException("encoder was built without dropout (Options.inference())");
    return dropoutSeed;
  }

  /**
   * Every parameter variable in the graph, embeddings first, then layer 0..L-1, then the pooler (from
   * {@link #firstLayer()} on, without the embeddings, when built {@link #buildFrom from a layer on}).
   */
  public List<EncoderVariable> variables() {
    return variables;
  }

  /** The variable holding parameter {@code name} (a BERT checkpoint name). */
  public Variable<TFloat32> variable(String name) {
    return var(name);
  }

  /** The {@code serving_default} signature: the three inputs to sequence_output and pooled_output. */
  public Signature servingSignature() {
    if (firstLayer > 0) throw new IllegalStateException("an encoder built from layer " + firstLayer + " on has no token inputs");
    return Signature.builder()
        .key(SIGNATURE_KEY)
        .input(INPUT_WORD_IDS, inputWordIds)
        .input(INPUT_MASK, inputMask)
        .input(INPUT_TYPE_IDS, inputTypeIds)
        .output(SEQUENCE_OUTPUT, sequenceOutput)
        .output(POOLED_OUTPUT, pooledOutput)
        .build();
  }

  /**
   * Writes {@code weights} into the encoder's variables in {@code session}, after running the graph's
   * pending initializers (head, optimizer slots); the weights must match the config exactly.
   */
  public void assign(Session session, EncoderWeights weights) {
    weights.requireMatches(config, "encoder weights"); // all of them, even when only the top layers are in the graph
    // run pending initializers first, so that a later initialize() cannot overwrite these values
    session.initialize();
    List<Tensor> fed = new ArrayList<>();
    try {
      Session.Runner run = session.runner();
      for (int i = 0; i < variables.size(); i++) {
        EncoderWeights.Weight w = weights.get(variables.get(i).name());
        TFloat32 t = TFloat32.tensorOf(w.shape(), DataBuffers.of(w.values(), true, false));
        fed.add(t);
        // feeding the initial-value tensor makes the initializer assign the pretrained value instead
        run.feed(initValues.get(i), t).addTarget(initAssigns.get(i));
      }
      run.run().close();
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  /** Reads the current values of the encoder variables in the graph ({@link #variables()}) from {@code session}. */
  public EncoderWeights readWeights(Session session) {
    Session.Runner run = session.runner();
    variables.forEach(v -> run.fetch(v.variable()));
    Map<String, EncoderWeights.Weight> out = new LinkedHashMap<>();
    try (Result r = run.run()) {
      for (int i = 0; i < variables.size(); i++) {
        TFloat32 t = (TFloat32) r.get(i);
        float[] values = new float[(int) t.shape().size()];
        t.copyTo(DataBuffers.of(values, false, false));
        out.put(variables.get(i).name(), new EncoderWeights.Weight(t.shape(), values));
      }
    }
    return EncoderWeights.of(out);
  }

  // ---------------------------------------------------------------------------------------------

  private void buildGraph() {
    int h = config.hiddenSize();
    for (EncoderParameter p : config.parameters()) {
      // from a layer on: the layers from there and the pooler (depth 1 + layer, L + 1), no embeddings
      if (p.depth(config.numHiddenLayers()) > firstLayer || firstLayer == 0) createVariable(p);
    }

    if (firstLayer == 0) inputWordIds = tf.withName(INPUT_WORD_IDS).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
    else inputHiddenStates = tf.withName(INPUT_HIDDEN_STATES).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, h)));
    inputMask = tf.withName(INPUT_MASK).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
    if (firstLayer == 0) inputTypeIds = tf.withName(INPUT_TYPE_IDS).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
    if (options.dropout()) {
      dropoutRate = tf.withName("dropout_rate").placeholderWithDefault(tf.constant(0f), Shape.scalar());
      dropoutSeed = tf.withName("dropout_seed").placeholderWithDefault(tf.constant(new long[] {0, 0}), Shape.of(2));
    }

    Operand<TInt32> batch, seq;
    Operand<TFloat32> x;
    if (firstLayer == 0) {
      Ops emb = scope("bert/embeddings");
      Operand<TInt32> batchAndSeq = emb.shape(inputWordIds); // [B, S]
      batch = emb.slice(batchAndSeq, emb.constant(new int[] {0}), emb.constant(new int[] {1}));
      seq = emb.slice(batchAndSeq, emb.constant(new int[] {1}), emb.constant(new int[] {1}));
      Operand<TFloat32> words = emb.gather(var("bert/embeddings/word_embeddings"), inputWordIds, emb.constant(0));
      Operand<TFloat32> types = emb.gather(var("bert/embeddings/token_type_embeddings"), inputTypeIds, emb.constant(0));
      // positions are 0..S-1 for every row, so a slice of the table broadcasts over the batch
      Operand<TFloat32> positions = emb.slice(var("bert/embeddings/position_embeddings"),
          emb.constant(new int[] {0, 0}), emb.concat(List.of(seq, emb.constant(new int[] {-1})), emb.constant(0)));
      x = addV2(emb, addV2(emb, words, types), positions);
      x = emb.reshape(x, emb.constant(new int[] {-1, h})); // [B*S, H] for every dense layer
      x = dropout(emb, layerNorm(emb, x, "bert/embeddings/LayerNorm/"), 0);
    } else {
      Ops in = scope("bert/encoder");
      Operand<TInt32> batchAndSeq = in.shape(inputMask); // [B, S]
      batch = in.slice(batchAndSeq, in.constant(new int[] {0}), in.constant(new int[] {1}));
      seq = in.slice(batchAndSeq, in.constant(new int[] {1}), in.constant(new int[] {1}));
      x = in.reshape(inputHiddenStates, in.constant(new int[] {-1, h}));
    }

    Ops enc = scope("bert/encoder");
    maskFloat = enc.dtypes.cast(inputMask, TFloat32.class); // [B, S]
    // additive bias [B, 1, 1, S]: 0 for real keys, -10000 for padding; computed once for all layers
    Operand<TFloat32> bias = enc.math.mul(enc.math.sub(enc.constant(1f), maskFloat), enc.constant(MASKED_LOGIT));
    bias = enc.reshape(bias, enc.concat(List.of(batch, enc.constant(new int[] {1, 1}), seq), enc.constant(0)));
    // [B, S, heads, head size] per distinct head count (one for a uniform config), made once
    Map<Integer, Operand<TInt32>> headsShapes = new HashMap<>();
    for (int l = 0; l < firstLayer; l++) layerOutputs.add(null);
    for (int l = firstLayer; l < config.numHiddenLayers(); l++) {
      int layerHeads = config.layerShape(l).numAttentionHeads();
      Operand<TInt32> headsShape = layerHeads == 0 ? null : headsShapes.computeIfAbsent(layerHeads,
          heads -> enc.concat(List.of(batch, seq, enc.constant(new int[] {heads, config.headSize()})), enc.constant(0)));
      x = transformerLayer(l, x, bias, headsShape);
      layerOutputs.add(x);
    }

    Ops out = tf;
    Operand<TInt32> seqShape = out.concat(List.of(batch, seq, out.constant(new int[] {h})), out.constant(0));
    sequenceOutput = out.withName(SEQUENCE_OUTPUT).reshape(x, seqShape);

    Ops pool = scope("bert/pooler");
    clsOutput = pool.stridedSlice(sequenceOutput, Indices.all(), Indices.at(0), Indices.all());
    Operand<TFloat32> weights = pool.expandDims(maskFloat, pool.constant(-1)); // [B, S, 1]
    Operand<TFloat32> sum = pool.reduceSum(pool.math.mul(sequenceOutput, weights), pool.constant(1));
    Operand<TFloat32> count = pool.math.maximum(
        pool.reduceSum(maskFloat, pool.constant(1), ReduceSum.keepDims(true)), pool.constant(1f));
    meanOutput = pool.math.div(sum, count);
    Operand<TFloat32> pooled = config.hasDensePooler() ? applyPooler(clsOutput) : meanOutput;
    pooledOutput = tf.withName(POOLED_OUTPUT).identity(pooled);
  }

  /**
   * Transformer layer {@code l}; {@code headsShape} is [B, S, its heads, head size]. A layer with
   * fewer heads keeps the config's head size (and so its 1/sqrt(head size) scale) and is narrower.
   */
  private Operand<TFloat32> transformerLayer(int l, Operand<TFloat32> x, Operand<TFloat32> bias, Operand<TInt32> headsShape) {
    String p = BertConfig.layerPrefix(l);
    Ops o = scope(p + "attention/output");
    if (config.layerShape(l).numAttentionHeads() == 0) {
      // every head pruned: the block adds its output bias, what heads with all-zero weights add at inference
      // (no dropout on a bias)
      x = layerNorm(o, o.nn.biasAdd(x, var(p + "attention/output/dense/bias")), p + "attention/output/LayerNorm/");
    } else {
      Operand<TFloat32> attention = dropout(o, dense(o, selfAttention(l, x, bias, headsShape), p + "attention/output/dense/"), l + 1);
      x = layerNorm(o, addV2(o, attention, x), p + "attention/output/LayerNorm/");
    }

    Ops i = scope(p + "intermediate");
    Operand<TFloat32> mid = activation(i, dense(i, x, p + "intermediate/dense/"));
    if (options.unitMasks()) {
      int width = config.layerShape(l).intermediateSize();
      PlaceholderWithDefault<TFloat32> m = i.withName("ffn_mask").placeholderWithDefault(i.fill(i.constant(new int[] {width}), i.constant(1f)),
          Shape.of(width));
      ffnMasks.put(l, m);
      mid = i.math.mul(mid, m);
    }
    Ops out = scope(p + "output");
    Operand<TFloat32> y = dropout(out, dense(out, mid, p + "output/dense/"), l + 1);
    return layerNorm(out, addV2(out, y, x), p + "output/LayerNorm/");
  }

  /** Layer {@code l}'s heads over [B*S, H]: their concatenated context, [B*S, heads * d]. */
  private Operand<TFloat32> selfAttention(int l, Operand<TFloat32> x, Operand<TFloat32> bias, Operand<TInt32> headsShape) {
    String p = BertConfig.layerPrefix(l);
    Ops s = scope(p + "attention/self");
    Operand<TInt32> toHeads = s.constant(new int[] {0, 2, 1, 3});
    // [B*S, H] -> [B, S, heads, d] -> [B, heads, S, d]
    Operand<TFloat32> q = s.linalg.transpose(s.reshape(dense(s, x, p + "attention/self/query/"), headsShape), toHeads);
    Operand<TFloat32> k = s.linalg.transpose(s.reshape(dense(s, x, p + "attention/self/key/"), headsShape), toHeads);
    Operand<TFloat32> v = s.linalg.transpose(s.reshape(dense(s, x, p + "attention/self/value/"), headsShape), toHeads);
    // BatchMatMulV2 -> Mul(scale) -> AddV2(bias) is the shape oneDNN fuses into one kernel
    Operand<TFloat32> scores = s.math.mul(batchMatMul(s, q, k, true), s.constant((float) (1 / Math.sqrt(config.headSize()))));
    Operand<TFloat32> probs = dropout(s, s.nn.softmax(addV2(s, scores, bias)), l + 1);
    Operand<TFloat32> context = s.linalg.transpose(batchMatMul(s, probs, v, false), toHeads); // [B, S, heads, d]
    if (options.unitMasks()) {
      int heads = config.layerShape(l).numAttentionHeads();
      PlaceholderWithDefault<TFloat32> m = s.withName("head_mask").placeholderWithDefault(s.fill(s.constant(new int[] {heads}), s.constant(1f)),
          Shape.of(heads));
      headMasks.put(l, m);
      context = s.math.mul(context, s.reshape(m, s.constant(new int[] {1, 1, heads, 1})));
    }
    return s.reshape(context, s.constant(new int[] {-1, config.attentionWidth(l)})); // [B*S, heads * d]
  }

  private Operand<TFloat32> dense(Ops s, Operand<TFloat32> x, String prefix) {
    return s.nn.biasAdd(s.linalg.matMul(x, var(prefix + "kernel")), var(prefix + "bias"));
  }

  private Operand<TFloat32> dense(Operand<TFloat32> x, Operand<TFloat32> kernel, Operand<TFloat32> bias) {
    return tf.nn.biasAdd(tf.linalg.matMul(x, kernel), bias);
  }

  /** LayerNorm over the last axis of [N, H]: (x - mean) * (gamma / sqrt(var + eps)) + beta. */
  private Operand<TFloat32> layerNorm(Ops s, Operand<TFloat32> x, String prefix) {
    if (options.fusedLayerNorm()) return fusableLayerNorm(s, x, prefix);
    Operand<TInt32> last = s.constant(new int[] {-1});
    Operand<TFloat32> mean = s.math.mean(x, last, Mean.keepDims(true));
    // centre first: x * g - mean * g loses digits when |mean| >> std (as in some bge dimensions)
    Operand<TFloat32> centered = s.math.sub(x, mean);
    Operand<TFloat32> variance = s.math.mean(s.math.square(centered), last, Mean.keepDims(true));
    Operand<TFloat32> inv = s.math.rsqrt(addV2(s, variance, s.constant((float) config.layerNormEps())));
    // beta + centered * (inv * gamma): the operand order oneDNN's remapper fuses into one LayerNorm kernel
    return addV2(s, var(prefix + "beta"), s.math.mul(centered, s.math.mul(inv, var(prefix + "gamma"))));
  }

  /**
   * The same LayerNorm written as a training-mode FusedBatchNormV3 over [1, N, H, 1] (NCHW: one
   * "channel" per token), the form oneDNN's remapper replaces by a single LayerNorm kernel
   * ({@link Options#fusedLayerNorm()}: inference graphs; training graphs keep the plain ops).
   */
  private Operand<TFloat32> fusableLayerNorm(Ops s, Operand<TFloat32> x, String prefix) {
    Operand<TInt32> shape = s.shape(x);
    Operand<TInt32> rows = s.slice(shape, s.constant(new int[] {0}), s.constant(new int[] {1}));
    Operand<TFloat32> x4 = s.reshape(x, s.concat(
        List.of(s.constant(new int[] {1}), rows, s.constant(new int[] {config.hiddenSize(), 1})), s.constant(0)));
    Operand<TFloat32> noStats = s.constant(new float[0]);
    var normalized = s.nn.fusedBatchNorm(x4, s.fill(rows, s.constant(1f)), s.fill(rows, s.constant(0f)), noStats, noStats,
        FusedBatchNorm.epsilon((float) config.layerNormEps()), FusedBatchNorm.dataFormat("NCHW"), FusedBatchNorm.isTraining(true));
    Operand<TFloat32> y = s.reshape(normalized.y(), shape);
    return addV2(s, var(prefix + "beta"), s.math.mul(y, var(prefix + "gamma")));
  }

  private Operand<TFloat32> activation(Ops s, Operand<TFloat32> x) {
    if (config.hiddenAct() == BertConfig.Activation.GELU_TANH) {
      Operand<TFloat32> cube = s.math.mul(s.math.mul(x, x), x);
      Operand<TFloat32> inner = s.math.mul(s.constant((float) Math.sqrt(2 / Math.PI)),
          addV2(s, x, s.math.mul(s.constant(0.044715f), cube)));
      return s.math.mul(x, s.math.mul(addV2(s, s.math.tanh(inner), s.constant(1f)), s.constant(0.5f)));
    }
    // ((erf(x / sqrt 2) + 1) * 0.5) * x: the exact-GELU form (operand order included) that oneDNN's
    // remapper fuses with the preceding MatMul + BiasAdd
    Operand<TFloat32> erf = s.math.erf(s.math.mul(x, s.constant((float) (1 / Math.sqrt(2)))));
    return s.math.mul(s.math.mul(addV2(s, erf, s.constant(1f)), s.constant(0.5f)), x);
  }

  /**
   * Inverted dropout on a block at {@code depth}. Stateless: the mask depends only on the fed seed
   * and the op's place in the graph, so a resumed run draws the same masks again.
   */
  private Operand<TFloat32> dropout(Ops s, Operand<TFloat32> x, int depth) {
    if (dropoutRate == null || depth < options.dropoutFromDepth()) return x;
    Operand<TInt64> opSeed = s.math.add(dropoutSeed, s.constant(new long[] {++dropoutOps, 0}));
    Operand<TFloat32> uniform = s.random.statelessRandomUniform(s.shape(x), opSeed, TFloat32.class);
    Operand<TFloat32> keep = s.dtypes.cast(s.math.greaterEqual(uniform, dropoutRate), TFloat32.class);
    return s.math.div(s.math.mul(x, keep), s.math.sub(s.constant(1f), dropoutRate));
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> batchMatMul(Ops s, Operand<TFloat32> a, Operand<TFloat32> b, boolean adjY) {
    // no typed wrapper for BatchMatMulV2 in TF-Java 1.1.0; go through the scope for a unique name
    return (Operand<TFloat32>) (Operand<?>) s.scope().opBuilder("BatchMatMulV2", "BatchMatMulV2")
        .addInput(a.asOutput()).addInput(b.asOutput()).setAttr("adj_x", false).setAttr("adj_y", adjY)
        .build().output(0);
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> addV2(Ops s, Operand<TFloat32> a, Operand<TFloat32> b) {
    return (Operand<TFloat32>) (Operand<?>) s.scope().opBuilder("AddV2", "AddV2")
        .addInput(a.asOutput()).addInput(b.asOutput()).build().output(0);
  }

  private void createVariable(EncoderParameter p) {
    int slash = p.name().lastIndexOf('/');
    Ops s = scope(p.name().substring(0, slash));
    String leaf = p.name().substring(slash + 1);
    Ops init = s.withInitScope();
    Operand<TFloat32> value;
    if (leaf.equals("gamma")) {
      value = init.fill(init.constant(p.shape()), init.constant(1f));
    } else if (leaf.equals("bias") || leaf.equals("beta")) {
      value = init.fill(init.constant(p.shape()), init.constant(0f));
    } else if (options.seed() == Options.UNSEEDED) {
      value = init.fill(init.constant(p.shape()), init.constant(0f));
    } else {
      value = init.math.mul(
          init.random.truncatedNormal(init.constant(p.shape()), TFloat32.class,
              TruncatedNormal.seed(options.seed()), TruncatedNormal.seed2(++randomOps)),
          init.constant(INIT_STDDEV));
    }
    Variable<TFloat32> v = s.withName(leaf).variable(value);
    if (!v.op().name().equals(p.name())) {
      throw new IllegalStateException("variable " + p.name() + " was named " + v.op().name());
    }
    // the initializer's Assign: assign() reruns it with the value fed in, so loading weights adds no ops
    GraphOperation initAssign = ((GraphOperation) v.op()).consumers().stream()
        .filter(op -> op.type().equals("Assign") && op.input(1).equals(value.asOutput())).findFirst()
        .orElseThrow(() -> new IllegalStateException("no initializer found for " + p.name()));
    variables.add(new EncoderVariable(p, v));
    byName.put(p.name(), v);
    initValues.add(value);
    initAssigns.add(initAssign);
  }

  private Variable<TFloat32> var(String name) {
    Variable<TFloat32> v = byName.get(name);
    if (v == null) throw new IllegalArgumentException("encoder has no parameter " + name);
    return v;
  }

  /** Hierarchical name scopes built once per path (withSubScope uniquifies repeated names). */
  private Ops scope(String path) {
    Ops s = scopes.get(path);
    if (s != null) return s;
    int slash = path.lastIndexOf('/');
    s = (slash < 0 ? tf : scope(path.substring(0, slash))).withSubScope(path.substring(slash + 1));
    scopes.put(path, s);
    return s;
  }

  @Override
  public String toString() {
    return "BertEncoder" + Arrays.asList(config.numHiddenLayers(), config.hiddenSize(), config.pooler());
  }
}
