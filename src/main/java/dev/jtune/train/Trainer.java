package dev.jtune.train;

import dev.jtune.model.ClassifierHead;
import dev.jtune.eval.ClassificationMetrics;
import dev.jtune.model.BertConfig;
import dev.jtune.model.EncoderWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * Fine-tunes a classifier head (and optionally the top of the encoder) on encoded splits, from its
 * parts: the loss terms ({@link Loss}), the cached features of a frozen encoder ({@link
 * CachedFeatures}) or the cached output of its frozen bottom layers ({@link LayerStateCache}), the
 * graph ({@link TrainingGraph}: encoder, its top layers or features, head, loss, {@link AdamW}
 * over {@link ParameterGroup}s), the batch order ({@link BatchPlan}), and the loop ({@link
 * TrainingLoop}) with its listeners: progress bar, validation and best checkpoint, early stopping,
 * periodic checkpoints, and any added with {@link #addListener}.
 *
 * <p>Data order and dropout masks derive from the seed and the step, and {@link CheckpointStore} keeps
 * everything else, so a resumed run ends with the same metrics as an uninterrupted one. A training
 * loss, gradient norm, validation loss or checkpointed value that is not finite stops the run with a
 * {@link TrainingDivergedException} before anything of that step is written.
 */
public final class Trainer {
  private final TrainingConfig config;
  private final BertConfig encoderConfig;
  private final EncoderWeights pretrained;
  private final List<String> labels;
  private final CheckpointStore checkpoints;
  private final Path cacheDir;
  private final boolean showProgress;
  private final List<TrainingListener> extraListeners = new ArrayList<>();
  private Map<String, CheckpointStore.Tensor> initialHead = Map.of();
  private FeatureCache teacherLogits; // a distilling run's, else null

  /**
   * What training produced: the trained values at the best validation (the wide part's table, null
   * without one), and how it went.
   */
  public record Result(
      TrainerState state,
      EncoderWeights encoderWeights,
      float[] kernel,
      float[] bias,
      float[] wide,
      ClassificationMetrics bestValidation,
      double cacheSeconds,
      List<Double> epochSeconds,
      long trainedParameters,
      boolean usedFeatureCache,
      boolean usedLayerCache) {}

  public Trainer(TrainingConfig config, BertConfig encoderConfig, EncoderWeights pretrained, List<String> labels,
      Path runDir, boolean showProgress) {
    this.config = config;
    this.encoderConfig = encoderConfig;
    this.pretrained = pretrained;
    this.labels = List.copyOf(labels);
    this.checkpoints = new CheckpointStore(runDir.resolve("checkpoints"));
    this.cacheDir = CachedFeatures.dir(config, runDir);
    this.showProgress = showProgress;
  }

  /** Adds a listener, called after the built-in ones at every event. */
  public Trainer addListener(TrainingListener listener) {
    extraListeners.add(listener);
    return this;
  }

  /**
   * Starts the head from these trained values instead of a random init (a fresh run only; resume
   * reads them from the checkpoint); {@code wide} is the wide part's table, null when there is none.
   */
  public Trainer startHeadFrom(EncoderWeights.Weight kernel, EncoderWeights.Weight bias, EncoderWeights.Weight wide) {
    Map<String, CheckpointStore.Tensor> head = new java.util.LinkedHashMap<>();
    head.put(ClassifierHead.KERNEL, new CheckpointStore.Tensor(kernel.shape().asArray(), kernel.values()));
    head.put(ClassifierHead.BIAS, new CheckpointStore.Tensor(bias.shape().asArray(), bias.values()));
    if (wide != null) head.put(ClassifierHead.WIDE, new CheckpointStore.Tensor(wide.shape().asArray(), wide.values()));
    this.initialHead = java.util.Collections.unmodifiableMap(head);
    return this;
  }

  /**
   * The teacher's logits of every train example (row i = example i), for a run whose config distils
   * ({@code distillation.teacher}); see {@link Loss#forRun(TrainingConfig, List, EncodedSplit, FeatureCache)}.
   */
  public Trainer distillFrom(FeatureCache teacherLogits) {
    this.teacherLogits = teacherLogits;
    return this;
  }

  public CheckpointStore checkpoints() {
    return checkpoints;
  }

  /** Trains on {@code train}, validating on {@code val}; continues from the last checkpoint if {@code resume}. */
  public Result train(EncodedSplit train, EncodedSplit val, boolean resume) {
    if (train.size() == 0) throw new IllegalArgumentException("empty train split");
    List<Loss> losses = Loss.forRun(config, labels, train, teacherLogits); // settings fixed here, before any work
    boolean cached = config.usesFeatureCache();
    boolean layerCached = !cached && config.usesLayerCache(encoderConfig.numHiddenLayers());
    CachedFeatures features = cached ? CachedFeatures.load(config, encoderConfig, pretrained, train, val, cacheDir, showProgress) : null;
    LayerStateCache.Splits states = layerCached ? LayerStateCache.load(config, encoderConfig, pretrained,
        config.freeze().firstTrainedDepth(encoderConfig.numHiddenLayers()) - 1, train, val, cacheDir, showProgress) : null;
    // the same batches as when the whole encoder runs, so a layer-state run matches an uncached one
    BatchPlan plan = new BatchPlan(config.loop(), train, config.tokens().lengthBucketing() && !cached);
    TrainingGraph.Inputs inputs = cached ? TrainingGraph.Inputs.POOLED_FEATURES
        : layerCached ? TrainingGraph.Inputs.LAYER_STATES : TrainingGraph.Inputs.TOKENS;
    try (Graph graph = new Graph()) {
      TrainingGraph g = new TrainingGraph(graph, config, encoderConfig, labels.size(), losses, plan.totalSteps(), inputs);
      try (Session session = new Session(graph)) {
        session.initialize();
        g.assignEncoder(session, pretrained);
        TrainerState state = startingState(g, session, resume);
        // a resumed run starts from last.ckpt, which was written at its step
        DivergenceGuard guard = new DivergenceGuard(checkpoints.last(), checkpoints.hasLast() && state.step() > 0 ? state.step() : -1);
        BatchFeeder valFeeder = layerCached ? g.feeder(val, states.val()) : g.feeder(val, cached ? features.val() : null);
        BatchFeeder trainFeeder = layerCached ? g.feeder(train, states.train()) : g.feeder(train, cached ? features.train() : null);
        Validator validator = new Validator(session, g.probabilities(), valFeeder, val, labels, config.validation().batchSize());
        List<TrainingListener> listeners = listeners(plan, validator, guard);
        // the masks are recomputed before anything validates or checkpoints the step
        if (config.pruning().magnitude()) listeners.add(0, new MagnitudePruning(session, g, config.pruning(), plan.totalSteps()));
        TrainingLoop loop = new TrainingLoop(plan, g, session, trainFeeder, listeners, guard, checkpoints);
        state = loop.run(state);
        // the exported classifier is the best validated one
        if (Files.isRegularFile(checkpoints.best())) g.write(session, CheckpointStore.read(checkpoints.best()).tensors());
        ClassificationMetrics best = validator.validate();
        Map<String, CheckpointStore.Tensor> values = g.read(session, g.trained());
        return new Result(state, g.encoderWeights(session, pretrained), values.get(ClassifierHead.KERNEL).values(),
            values.get(ClassifierHead.BIAS).values(),
            values.containsKey(ClassifierHead.WIDE) ? values.get(ClassifierHead.WIDE).values() : null, best,
            cached ? features.seconds() : layerCached ? states.seconds() : 0, loop.epochSeconds(),
            g.trainedParameters(), cached, layerCached);
      }
    }
  }

  /** The saved state and values of {@code last.ckpt} when resuming; otherwise the start, with the given head if any. */
  private TrainerState startingState(TrainingGraph g, Session session, boolean resume) {
    if (resume && checkpoints.hasLast()) {
      CheckpointStore.Checkpoint ck = CheckpointStore.read(checkpoints.last());
      g.write(session, ck.tensors());
      return ck.state();
    }
    if (!initialHead.isEmpty()) g.write(session, initialHead);
    return TrainerState.start();
  }

  /** The built-in listeners in their order (see {@link TrainingListener}), then the added ones. */
  private List<TrainingListener> listeners(BatchPlan plan, Validator validator, DivergenceGuard guard) {
    List<TrainingListener> out = new ArrayList<>();
    if (showProgress) out.add(new ProgressBarListener(plan));
    out.add(new ValidationListener(validator::validate, config.validation(), guard));
    if (config.validation().patience() > 0) out.add(new EarlyStopping(config.validation().patience()));
    if (config.loop().checkpointEverySteps() > 0) out.add(new PeriodicCheckpoint(config.loop().checkpointEverySteps()));
    out.addAll(extraListeners);
    return out;
  }
}
