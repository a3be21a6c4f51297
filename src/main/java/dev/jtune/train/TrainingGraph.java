package dev.jtune.train;

import dev.jtune.model.ClassifierHead;
import dev.jtune.JtuneException;
import dev.jtune.model.BertConfig;
import dev.jtune.model.BertEncoder;
import dev.jtune.model.EncoderParameter;
import dev.jtune.model.EncoderVariable;
import dev.jtune.model.EncoderWeights;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.PlaceholderWithDefault;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The graph a run trains, built once: the model inputs (token ids through the encoder with the
 * pretrained weights, or the cached pooled features of a frozen encoder, which then is not in the
 * graph at all), dropout on the pooled vector, the classifier head, the loss terms, {@link AdamW}
 * over the parameter groups, and ops to read and write every checkpointed variable (trained
 * variables and optimizer slots). Dropout is stateless: its masks depend only on the fed seed, so a
 * resumed run draws them again exactly. A wide-and-deep head ({@code head.wide_buckets} > 0) reads
 * the token ids and mask too: the encoder's inputs, or on cached features two inputs of their own.
 * With the frozen bottom layers' output cached ({@link Inputs#LAYER_STATES}), the graph holds only
 * the trained top layers (and the pooler), fed those states; the variables keep their names.
 */
final class TrainingGraph {
  /** What the graph is fed. */
  enum Inputs {
    /** Token ids through the whole encoder. */
    TOKENS,
    /** Cached pooled features of a frozen encoder, which is not in the graph. */
    POOLED_FEATURES,
    /**
     * Cached hidden states entering the first trained layer (and the head's pooled vectors of the
     * frozen layers below it): only the trained top layers are in the graph.
     */
    LAYER_STATES
  }

  private final TrainingConfig config;
  private final BertEncoder encoder; // null on cached features
  private final Placeholder<TFloat32> features; // null when the encoder runs
  private final Placeholder<TFloat32> lowerFeatures; // on layer states when the head reads frozen layers, else null
  private final Placeholder<TInt32> wideWordIds; // with a wide part on cached features or layer states, else null
  private final Placeholder<TInt32> wideMask; // with a wide part on cached features only
  private final PlaceholderWithDefault<TFloat32> dropoutRate;
  private final PlaceholderWithDefault<TInt64> dropoutSeed;
  private final ClassifierHead head;
  private final List<Loss.Built> losses = new ArrayList<>();
  private final Operand<TFloat32> loss;
  private final List<ParameterGroup> groups;
  private final AdamW optimizer;
  private final List<Variable<TFloat32>> trained = new ArrayList<>();
  private final List<Variable<TFloat32>> checkpointed = new ArrayList<>();
  private final Map<String, Placeholder<TFloat32>> restoreValues = new LinkedHashMap<>();
  private final Map<String, Op> restoreOps = new LinkedHashMap<>();
  private final Map<Variable<TFloat32>, Variable<TFloat32>> masks = new LinkedHashMap<>(); // kernel -> its pruning mask
  private final Op updateWithMasks; // the optimizer update, then the masks; null without magnitude pruning
  private final Op applyMasks; // the masks alone; null without magnitude pruning

  /**
   * Builds into {@code graph} the training graph of {@code config} over an encoder of {@code
   * encoderConfig}, for {@code numLabels} classes and {@code totalSteps} optimizer steps (which the
   * learning-rate schedules span), fed as {@code inputs} says.
   */
  TrainingGraph(Graph graph, TrainingConfig config, BertConfig encoderConfig, int numLabels, List<Loss> lossTerms, long totalSteps,
      Inputs inputs) {
    this.config = config;
    Ops tf = Ops.create(graph);
    int layers = config.head().layersOf(encoderConfig.numHiddenLayers());
    int h = layers * encoderConfig.hiddenSize();
    Operand<TFloat32> pooled;
    int wideBuckets = config.head().wideBuckets();
    ClassifierHead.WideInputs wide = null;
    if (inputs == Inputs.POOLED_FEATURES) {
      encoder = null;
      lowerFeatures = null;
      features = tf.withName("features").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, h)));
      pooled = features;
      if (wideBuckets > 0) {
        wideWordIds = tf.withName(BertEncoder.INPUT_WORD_IDS).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
        wideMask = tf.withName(BertEncoder.INPUT_MASK).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
        wide = new ClassifierHead.WideInputs(wideWordIds, wideMask, encoderConfig.vocabSize(), wideBuckets);
      } else {
        wideWordIds = null;
        wideMask = null;
      }
    } else if (inputs == Inputs.LAYER_STATES) {
      int numLayers = encoderConfig.numHiddenLayers();
      int firstTrained = config.freeze().firstTrainedDepth(numLayers);
      int firstLayer = firstTrained - 1; // depth 1 + l is layer l
      encoder = BertEncoder.buildFrom(graph, encoderConfig, BertEncoder.Options.training(config.loop().seed()).withDropoutFromDepth(firstTrained),
          firstLayer);
      features = null;
      int lower = LayerStateCache.lowerLayers(numLayers, layers, firstLayer);
      lowerFeatures = lower == 0 ? null
          : tf.withName("lower_layer_features").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, lower * encoderConfig.hiddenSize())));
      pooled = ClassifierHead.pooled(encoder, config.head().pooling(), layers, lowerFeatures);
      wideMask = null;
      if (wideBuckets > 0) {
        wideWordIds = tf.withName(BertEncoder.INPUT_WORD_IDS).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
        wide = new ClassifierHead.WideInputs(wideWordIds, encoder.inputMask(), encoderConfig.vocabSize(), wideBuckets);
      } else {
        wideWordIds = null;
      }
    } else {
      wideWordIds = null;
      wideMask = null;
      lowerFeatures = null;
      // dropout only in the blocks that train, so frozen ones compute what the feature cache would hold
      int firstTrained = config.freeze().firstTrainedDepth(encoderConfig.numHiddenLayers());
      encoder = BertEncoder.build(graph, encoderConfig, BertEncoder.Options.training(config.loop().seed()).withDropoutFromDepth(firstTrained));
      features = null;
      pooled = ClassifierHead.pooled(encoder, config.head().pooling(), layers);
      if (wideBuckets > 0) wide = new ClassifierHead.WideInputs(encoder.inputWordIds(), encoder.inputMask(), encoderConfig.vocabSize(), wideBuckets);
    }
    dropoutRate = tf.withName("head_dropout_rate").placeholderWithDefault(tf.constant(0f), Shape.scalar());
    dropoutSeed = tf.withName("head_dropout_seed").placeholderWithDefault(tf.constant(new long[] {0, 0}), Shape.of(2));
    Operand<TFloat32> uniform = tf.random.statelessRandomUniform(tf.shape(pooled), dropoutSeed, TFloat32.class);
    Operand<TFloat32> keep = tf.dtypes.cast(tf.math.greaterEqual(uniform, dropoutRate), TFloat32.class);
    Operand<TFloat32> dropped = tf.math.div(tf.math.mul(pooled, keep), tf.math.sub(tf.constant(1f), dropoutRate));
    head = ClassifierHead.build(tf, dropped, h, numLabels, config.loop().seed(), wide);

    // one term is the loss itself (named "loss"); several are summed, each in its own scope
    for (Loss term : lossTerms) losses.add(term.build(lossTerms.size() == 1 ? tf : tf.withSubScope("loss_" + losses.size()), head.logits()));
    loss = losses.size() == 1 ? losses.get(0).value() : tf.withName("loss").math.addN(losses.stream().map(Loss.Built::value).toList());

    List<Variable<TFloat32>> encoderTrained = new ArrayList<>(); // identity matters: masks are keyed by variable
    if (encoder != null) {
      for (EncoderVariable v : encoder.variables()) {
        if (trains(v.parameter(), config.freeze(), encoderConfig.numHiddenLayers())) encoderTrained.add(v.variable());
      }
    }
    groups = ParameterGroup.fineTuning(config, List.of(head.kernel(), head.bias()), encoderTrained, head.wideTable().stream().toList(),
        totalSteps);
    groups.forEach(g -> trained.addAll(g.variables()));
    TrainingConfig.Optimizer o = config.optimizer();
    optimizer = new AdamW(graph, tf, loss, groups,
        new AdamW.Settings(o.beta1(), o.beta2(), o.epsilon(), o.maxGradNorm(), config.loop().gradAccumulation()));
    checkpointed.addAll(trained);
    checkpointed.addAll(optimizer.slots());
    if (config.pruning().magnitude()) {
      // one mask per trained layer kernel (1 = kept), checkpointed so a resumed run keeps its zeros; after each
      // update the kernels are multiplied by their masks, so every forward pass sees the pruned weights
      Ops m = tf.withSubScope("pruning");
      List<Op> afterUpdate = new ArrayList<>(), now = new ArrayList<>();
      Ops ordered = m.withControlDependencies(List.of(optimizer.apply()));
      for (EncoderVariable v : encoder.variables()) {
        EncoderParameter p = v.parameter();
        if (p.block() != EncoderParameter.Block.LAYER || !p.name().endsWith("/kernel") || !encoderTrained.contains(v.variable())) continue;
        Variable<TFloat32> mask = m.withName(p.name().replace('/', '_') + "_mask")
            .variable(m.fill(m.constant(p.shape().asArray()), m.constant(1f))); // from the static shape: needs no variable's value
        masks.put(v.variable(), mask);
        checkpointed.add(mask);
        afterUpdate.add(ordered.assign(v.variable(), ordered.math.mul(v.variable(), mask)));
        now.add(m.assign(v.variable(), m.math.mul(v.variable(), mask)));
      }
      if (masks.isEmpty()) throw new JtuneException("pruning.sparsity: this run trains no encoder layer kernel to prune");
      updateWithMasks = m.withName("update_and_mask").withControlDependencies(afterUpdate).noOp();
      applyMasks = m.withName("apply_masks").withControlDependencies(now).noOp();
    } else {
      updateWithMasks = null;
      applyMasks = null;
    }
    Ops restore = tf.withSubScope("restore");
    for (Variable<TFloat32> v : checkpointed) {
      Placeholder<TFloat32> value = restore.placeholder(TFloat32.class, Placeholder.shape(v.shape()));
      restoreValues.put(v.op().name(), value);
      restoreOps.put(v.op().name(), restore.assign(v, value));
    }
  }

  /** Whether an encoder parameter trains under the freezing settings. */
  static boolean trains(EncoderParameter p, TrainingConfig.Freeze f, int numLayers) {
    return p.depth(numLayers) >= f.firstTrainedDepth(numLayers);
  }

  /** Loads the encoder's pretrained (or init_from) weights into a fresh session; nothing when features are cached. */
  void assignEncoder(Session session, EncoderWeights weights) {
    if (encoder != null) encoder.assign(session, weights);
  }

  /**
   * The encoder's weights now: those in the graph read from the session, the others (all of them on
   * cached features, the frozen bottom on layer states) as in {@code pretrained}.
   */
  EncoderWeights encoderWeights(Session session, EncoderWeights pretrained) {
    if (encoder == null) return pretrained;
    if (encoder.firstLayer() == 0) return encoder.readWeights(session);
    Map<String, EncoderWeights.Weight> all = new LinkedHashMap<>(pretrained.asMap());
    all.putAll(encoder.readWeights(session).asMap());
    return EncoderWeights.of(all);
  }

  /**
   * Feeds the model inputs of a split's rows: its cached features when given (and its token ids and
   * mask for a wide part), else its token ids.
   */
  BatchFeeder feeder(EncodedSplit split, FeatureCache cached) {
    if (encoder != null && encoder.firstLayer() > 0) throw new IllegalStateException("a graph over layer states is fed its cached states");
    if (features == null) return BatchFeeder.tokens(encoder, split.tokenIds());
    BatchFeeder cachedFeatures = BatchFeeder.features(features, cached);
    if (wideWordIds == null) return cachedFeatures;
    BatchFeeder tokens = BatchFeeder.wordIdsAndMask(wideWordIds, wideMask, split.tokenIds());
    return (feeds, rows) -> {
      cachedFeatures.feed(feeds, rows);
      tokens.feed(feeds, rows);
    };
  }

  /**
   * Feeds the model inputs of a split's rows on {@link Inputs#LAYER_STATES}: the cached states entering
   * the first trained layer with their mask, the head's pooled vectors of the frozen layers, and the
   * token ids of a wide part.
   */
  BatchFeeder feeder(EncodedSplit split, LayerStateCache cached) {
    if (encoder == null || encoder.firstLayer() == 0) throw new IllegalStateException("this graph is not fed layer states");
    return BatchFeeder.layerStates(encoder, lowerFeatures, wideWordIds, split.tokenIds(), cached);
  }

  /** Feeds every loss term's inputs for these train rows. */
  void feedLosses(Feeds feeds, int[] rows) {
    for (Loss.Built term : losses) term.feed(feeds, rows);
  }

  /** Feeds the training dropout rates and the seed of this micro-batch's masks (head and trained encoder blocks). */
  void feedDropout(Feeds feeds, long[] seed) {
    feeds.feed(dropoutRate, TFloat32.scalarOf((float) config.head().dropout()));
    feeds.feed(dropoutSeed, TInt64.vectorOf(seed));
    if (encoder != null) {
      feeds.feed(encoder.dropoutRate(), TFloat32.scalarOf((float) config.freeze().encoderDropout()));
      feeds.feed(encoder.dropoutSeed(), TInt64.vectorOf(seed));
    }
  }

  /** The op that completes an optimizer step: the update, followed by the pruning masks when there are any. */
  Op update() {
    return updateWithMasks != null ? updateWithMasks : optimizer.apply();
  }

  /** Each magnitude-pruned kernel with its mask variable (empty without magnitude pruning). */
  Map<Variable<TFloat32>, Variable<TFloat32>> masks() {
    return masks;
  }

  /** Multiplies the pruned kernels by their masks now (after new masks were written). */
  void applyMasks(Session s) {
    if (applyMasks != null) s.runner().addTarget(applyMasks).run().close();
  }

  /** The objective: the sum of the loss terms. */
  Operand<TFloat32> loss() {
    return loss;
  }

  Operand<TFloat32> probabilities() {
    return head.probabilities();
  }

  AdamW optimizer() {
    return optimizer;
  }

  /** The learning rate a run reports for a step: the first parameter group's (the head's). */
  double reportedLearningRate(long step) {
    return groups.get(0).schedule().rate(step);
  }

  /** The learning rate of each parameter group that trains at 0-based step {@code step}, by group name (head first). */
  java.util.Map<String, Double> learningRates(long step) {
    java.util.Map<String, Double> out = new java.util.LinkedHashMap<>();
    for (ParameterGroup g : groups) if (!g.variables().isEmpty()) out.put(g.name(), g.schedule().rate(step));
    return out;
  }

  /** The variables that train, head first. */
  List<Variable<TFloat32>> trained() {
    return trained;
  }

  /** The trained variables and the optimizer's slots: what {@code last.ckpt} holds. */
  List<Variable<TFloat32>> checkpointed() {
    return checkpointed;
  }

  long trainedParameters() {
    return trained.stream().mapToLong(v -> v.shape().size()).sum();
  }

  /** The current values of {@code vars}, by op name. */
  Map<String, CheckpointStore.Tensor> read(Session s, List<Variable<TFloat32>> vars) {
    Session.Runner run = s.runner();
    vars.forEach(run::fetch);
    Map<String, CheckpointStore.Tensor> out = new LinkedHashMap<>();
    try (Result r = run.run()) {
      for (int i = 0; i < vars.size(); i++) {
        TFloat32 t = (TFloat32) r.get(i);
        float[] values = new float[(int) t.shape().size()];
        t.copyTo(DataBuffers.of(values, false, false));
        out.put(vars.get(i).op().name(), new CheckpointStore.Tensor(t.shape().asArray(), values));
      }
    }
    return out;
  }

  /** Sets checkpointed variables to {@code values} (by op name); a name this graph does not train is refused. */
  void write(Session s, Map<String, CheckpointStore.Tensor> values) {
    try (Feeds feeds = new Feeds(s.runner())) {
      for (Map.Entry<String, CheckpointStore.Tensor> e : values.entrySet()) {
        Placeholder<TFloat32> p = restoreValues.get(e.getKey());
        if (p == null) {
          throw new JtuneException("checkpoint holds " + e.getKey() + ", which this run does not train; "
              + "resume with the same freezing settings");
        }
        feeds.feed(p, TFloat32.tensorOf(Shape.of(e.getValue().shape()), DataBuffers.of(e.getValue().values(), true, false)));
        feeds.runner().addTarget(restoreOps.get(e.getKey()));
      }
      feeds.runner().run().close();
    }
  }
}
