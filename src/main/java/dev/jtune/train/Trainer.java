package dev.jtune.train;

import dev.jtune.artifact.Pooling;

import dev.jtune.data.LengthBuckets;
import dev.jtune.data.TokenBatch;
import dev.jtune.eval.ClassificationMetrics;
import dev.jtune.eval.ConfusionMatrix;
import dev.jtune.model.BertConfig;
import dev.jtune.model.BertEncoder;
import dev.jtune.model.ClassifierHead;
import dev.jtune.model.EncoderParameter;
import dev.jtune.model.EncoderVariable;
import dev.jtune.model.EncoderWeights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
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
 * Fine-tunes a classifier head (and optionally the top of the encoder) on encoded splits.
 *
 * <p>One graph holds the head, the loss and {@link AdamW} over exactly the variables that train.
 * When the encoder is fully frozen and the cache is on, the encoder is not in that graph at all: a
 * {@link FeatureCache} computes each example's pooled vector once and the head trains on those rows.
 * Otherwise the encoder is built into the graph with the pretrained weights and its top layers train.
 * Data order and dropout masks derive from the seed and the step, and {@link CheckpointStore} keeps
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
  private java.util.function.Consumer<TrainerState> afterCheckpoint = s -> {};
  private Map<String, CheckpointStore.Tensor> initialHead = Map.of();

  /** What training produced: the trained values at the best validation, and how it went. */
  public record Result(
      TrainerState state,
      EncoderWeights encoderWeights,
      float[] kernel,
      float[] bias,
      ClassificationMetrics bestValidation,
      double cacheSeconds,
      List<Double> epochSeconds,
      long trainedParameters,
      boolean usedFeatureCache) {}

  public Trainer(TrainingConfig config, BertConfig encoderConfig, EncoderWeights pretrained, List<String> labels,
      Path runDir, boolean showProgress) {
    this.config = config;
    this.encoderConfig = encoderConfig;
    this.pretrained = pretrained;
    this.labels = List.copyOf(labels);
    this.checkpoints = new CheckpointStore(runDir.resolve("checkpoints"));
    this.cacheDir = config.cache().dir().isEmpty()
        ? runDir.toAbsolutePath().getParent().resolve(".feature-cache")
        : Path.of(config.cache().dir());
    this.showProgress = showProgress;
  }

  /** Called after each checkpoint of {@code last.ckpt} is written (e.g. to report or stop). */
  public Trainer onCheckpoint(java.util.function.Consumer<TrainerState> listener) {
    this.afterCheckpoint = listener;
    return this;
  }

  /** Starts the head from these trained values instead of a random init (a fresh run only; resume reads them from the checkpoint). */
  public Trainer startHeadFrom(EncoderWeights.Weight kernel, EncoderWeights.Weight bias) {
    this.initialHead = Map.of(
        ClassifierHead.KERNEL, new CheckpointStore.Tensor(kernel.shape().asArray(), kernel.values()),
        ClassifierHead.BIAS, new CheckpointStore.Tensor(bias.shape().asArray(), bias.values()));
    return this;
  }

  public CheckpointStore checkpoints() {
    return checkpoints;
  }

  /** Trains on {@code train}, validating on {@code val}; continues from the last checkpoint if {@code resume}. */
  public Result train(EncodedSplit train, EncodedSplit val, boolean resume) {
    if (train.size() == 0) throw new IllegalArgumentException("empty train split");
    resolveClassWeights(train.labels()); // before the graph: the loss is built with them
    boolean cached = config.usesFeatureCache();
    FeatureCache trainFeatures = null, valFeatures = null;
    double cacheSeconds = 0;
    if (cached) {
      long t0 = System.nanoTime();
      String digest = FeatureCache.encoderDigest(encoderConfig, pretrained);
      String pooling = config.head().pooling();
      int layers = config.head().layersOf(encoderConfig.numHiddenLayers());
      // one layer keeps the original key, so caches written before head.layers existed stay valid
      String features = layers == 1 ? pooling : pooling + "/top" + layers;
      long budget = (long) config.cache().memoryMb() << 20;
      Path trainFile = cacheDir.resolve(FeatureCache.key(digest, features, train.tokenIds()) + ".f32");
      Path valFile = cacheDir.resolve(FeatureCache.key(digest, features, val.tokenIds()) + ".f32");
      int h = layers * encoderConfig.hiddenSize();
      trainFeatures = FeatureCache.open(trainFile, train.size(), h, budget).orElse(null);
      valFeatures = FeatureCache.open(valFile, val.size(), h, budget).orElse(null);
      if (trainFeatures == null || valFeatures == null) {
        try (FeatureCache.Extractor extractor = new FeatureCache.Extractor(encoderConfig, pretrained, pooling, layers)) {
          if (trainFeatures == null) extract(extractor, "encode train", train, trainFile);
          if (valFeatures == null) extract(extractor, "encode val", val, valFile);
        }
        trainFeatures = FeatureCache.open(trainFile, train.size(), h, budget).orElseThrow();
        valFeatures = FeatureCache.open(valFile, val.size(), h, budget).orElseThrow();
      }
      cacheSeconds = (System.nanoTime() - t0) / 1e9;
    }
    try (Graph graph = new Graph()) {
      TrainingGraph g = new TrainingGraph(graph, cached);
      try (Session session = new Session(graph)) {
        session.initialize();
        if (g.encoder != null) g.encoder.assign(session, pretrained);
        TrainerState state = TrainerState.start();
        if (resume && checkpoints.hasLast()) {
          CheckpointStore.Checkpoint ck = CheckpointStore.read(checkpoints.last());
          g.write(session, ck.tensors());
          state = ck.state();
        } else if (!initialHead.isEmpty()) {
          g.write(session, initialHead);
        }
        Loop loop = new Loop(g, session, train, val, trainFeatures, valFeatures);
        state = loop.run(state);
        // the exported classifier is the best validated one
        if (java.nio.file.Files.isRegularFile(checkpoints.best())) {
          g.write(session, CheckpointStore.read(checkpoints.best()).tensors());
        }
        ClassificationMetrics best = loop.validate().metrics();
        Map<String, CheckpointStore.Tensor> values = g.read(session, g.trainedVariables());
        EncoderWeights encoderWeights = g.encoder == null ? pretrained : g.encoder.readWeights(session);
        return new Result(state, encoderWeights, values.get(ClassifierHead.KERNEL).values(),
            values.get(ClassifierHead.BIAS).values(), best, cacheSeconds, loop.epochSeconds, g.trainedParameters(), cached);
      }
    }
  }

  private void extract(FeatureCache.Extractor ex, String task, EncodedSplit split, Path file) {
    try (ProgressBar bar = progressBar(task, split.size())) {
      ex.extract(split.tokenIds(), config.validation().batchSize(), file, done -> {
        if (bar != null) bar.stepTo(done);
      });
    }
  }

  private ProgressBar progressBar(String task, long max) {
    if (!showProgress) return null;
    return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(500).continuousUpdate().build();
  }

  /** Which encoder parameters train under the freezing settings. */
  static boolean trains(EncoderParameter p, TrainingConfig.Freeze f, int numLayers) {
    return p.depth(numLayers) >= f.firstTrainedDepth(numLayers);
  }

  /** The training graph: inputs, head, loss, optimizer, and the ops to read/write trained state. */
  private final class TrainingGraph {
    final BertEncoder encoder;
    final Placeholder<TFloat32> features;
    final Placeholder<TInt32> labelIds;
    final PlaceholderWithDefault<TFloat32> dropoutRate;
    final PlaceholderWithDefault<TInt64> dropoutSeed;
    final ClassifierHead head;
    final Operand<TFloat32> loss;
    final AdamW optimizer;
    final List<Variable<TFloat32>> trained = new ArrayList<>();
    final List<Variable<TFloat32>> checkpointed = new ArrayList<>();
    final Map<String, Placeholder<TFloat32>> restoreValues = new LinkedHashMap<>();
    final Map<String, Op> restoreOps = new LinkedHashMap<>();

    TrainingGraph(Graph graph, boolean cached) {
      Ops tf = Ops.create(graph);
      int layers = config.head().layersOf(encoderConfig.numHiddenLayers());
      int h = layers * encoderConfig.hiddenSize(), c = labels.size();
      Operand<TFloat32> pooled;
      if (cached) {
        encoder = null;
        features = tf.withName("features").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, h)));
        pooled = features;
      } else {
        // training options keep the plain LayerNorm ops, whose gradients are verified; dropout only
        // in the blocks that train, so frozen ones compute what the feature cache would hold
        int firstTrained = config.freeze().firstTrainedDepth(encoderConfig.numHiddenLayers());
        encoder = BertEncoder.build(graph, encoderConfig,
            BertEncoder.Options.training(config.loop().seed()).withDropoutFromDepth(firstTrained));
        features = null;
        pooled = ClassifierHead.pooled(encoder, Pooling.parse(config.head().pooling()), layers);
      }
      dropoutRate = tf.withName("head_dropout_rate").placeholderWithDefault(tf.constant(0f), Shape.scalar());
      dropoutSeed = tf.withName("head_dropout_seed").placeholderWithDefault(tf.constant(new long[] {0, 0}), Shape.of(2));
      // stateless dropout: the mask depends only on the fed (seed, step), so resume repeats it exactly
      Operand<TFloat32> uniform = tf.random.statelessRandomUniform(tf.shape(pooled), dropoutSeed, TFloat32.class);
      Operand<TFloat32> keep = tf.dtypes.cast(tf.math.greaterEqual(uniform, dropoutRate), TFloat32.class);
      Operand<TFloat32> dropped = tf.math.div(tf.math.mul(pooled, keep), tf.math.sub(tf.constant(1f), dropoutRate));
      head = ClassifierHead.build(tf, dropped, h, c, config.loop().seed());

      labelIds = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      loss = lossOf(tf, head.logits(), labelIds, c);

      trained.add(head.kernel());
      trained.add(head.bias());
      List<Variable<TFloat32>> encoderTrained = new ArrayList<>();
      if (encoder != null) {
        for (EncoderVariable v : encoder.variables()) {
          if (trains(v.parameter(), config.freeze(), encoderConfig.numHiddenLayers())) encoderTrained.add(v.variable());
        }
      }
      trained.addAll(encoderTrained);
      TrainingConfig.Optimizer o = config.optimizer();
      optimizer = new AdamW(graph, tf, loss,
          List.of(new AdamW.ParamGroup("head", List.of(head.kernel(), head.bias())), new AdamW.ParamGroup("encoder", encoderTrained)),
          new AdamW.Settings(o.weightDecay(), o.beta1(), o.beta2(), o.epsilon(), o.maxGradNorm(), config.loop().gradAccumulation(),
              AdamW::decaysByDefault));
      checkpointed.addAll(trained);
      checkpointed.addAll(optimizer.slots());
      Ops restore = tf.withSubScope("restore");
      for (Variable<TFloat32> v : checkpointed) {
        Placeholder<TFloat32> value = restore.placeholder(TFloat32.class, Placeholder.shape(v.shape()));
        restoreValues.put(v.op().name(), value);
        restoreOps.put(v.op().name(), restore.assign(v, value));
      }
    }

    /** Mean softmax cross-entropy with optional label smoothing and class weights. */
    private Operand<TFloat32> lossOf(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labelIds, int c) {
      Operand<TFloat32> targets = tf.oneHot(labelIds, tf.constant(c), tf.constant(1f), tf.constant(0f));
      double eps = config.loss().labelSmoothing();
      if (eps > 0) targets = tf.math.add(tf.math.mul(targets, tf.constant((float) (1 - eps))), tf.constant((float) (eps / c)));
      // the dense op has a registered gradient (the sparse one does not)
      Operand<TFloat32> perExample = tf.nn.softmaxCrossEntropyWithLogits(logits, targets).loss();
      float[] weights = classWeights();
      if (weights == null) return tf.withName("loss").math.mean(perExample, tf.constant(0));
      Operand<TFloat32> w = tf.gather(tf.constant(weights), labelIds, tf.constant(0));
      return tf.withName("loss").math.div(tf.reduceSum(tf.math.mul(perExample, w), tf.constant(0)), tf.reduceSum(w, tf.constant(0)));
    }

    List<Variable<TFloat32>> trainedVariables() {
      return trained;
    }

    long trainedParameters() {
      return trained.stream().mapToLong(v -> v.shape().size()).sum();
    }

    Map<String, CheckpointStore.Tensor> read(Session s, List<Variable<TFloat32>> vars) {
      Session.Runner run = s.runner();
      vars.forEach(run::fetch);
      Map<String, CheckpointStore.Tensor> out = new LinkedHashMap<>();
      try (org.tensorflow.Result r = run.run()) {
        for (int i = 0; i < vars.size(); i++) {
          TFloat32 t = (TFloat32) r.get(i);
          float[] values = new float[(int) t.shape().size()];
          t.copyTo(DataBuffers.of(values, false, false));
          out.put(vars.get(i).op().name(), new CheckpointStore.Tensor(t.shape().asArray(), values));
        }
      }
      return out;
    }

    void write(Session s, Map<String, CheckpointStore.Tensor> values) {
      List<Tensor> fed = new ArrayList<>();
      try {
        Session.Runner run = s.runner();
        for (Map.Entry<String, CheckpointStore.Tensor> e : values.entrySet()) {
          Placeholder<TFloat32> p = restoreValues.get(e.getKey());
          if (p == null) {
            throw new dev.jtune.JtuneException("checkpoint holds " + e.getKey() + ", which this run does not train; "
                + "resume with the same freezing settings");
          }
          TFloat32 t = TFloat32.tensorOf(Shape.of(e.getValue().shape()), DataBuffers.of(e.getValue().values(), true, false));
          fed.add(t);
          run.feed(p, t).addTarget(restoreOps.get(e.getKey()));
        }
        run.run().close();
      } finally {
        fed.forEach(Tensor::close);
      }
    }
  }

  private float[] classWeights;

  /** Per-class loss weights, or null when every class weighs 1. */
  private float[] classWeights() {
    return classWeights;
  }

  /** Fixes the class weights from the train labels (balanced: n / (C * count_c)). */
  private void resolveClassWeights(int[] trainLabels) {
    Object spec = config.loss().classWeights();
    int c = labels.size();
    if ("none".equals(spec)) {
      classWeights = null;
    } else if ("balanced".equals(spec)) {
      long[] counts = new long[c];
      for (int l : trainLabels) counts[l]++;
      classWeights = new float[c];
      for (int i = 0; i < c; i++) classWeights[i] = counts[i] == 0 ? 0f : (float) trainLabels.length / (c * counts[i]);
    } else {
      List<?> list = (List<?>) spec;
      config.requireFitsLabels(labels);
      classWeights = new float[c];
      for (int i = 0; i < c; i++) classWeights[i] = ((Number) list.get(i)).floatValue();
    }
  }

  /** The epoch/step loop over one session. */
  private final class Loop {
    final TrainingGraph g;
    final Session session;
    final EncodedSplit train;
    final EncodedSplit val;
    final FeatureCache trainFeatures;
    final FeatureCache valFeatures;
    final List<Double> epochSeconds = new ArrayList<>();
    final int batchesPerEpoch;
    final long totalSteps;
    final LearningRateSchedule headSchedule;
    final LearningRateSchedule encoderSchedule;

    Loop(TrainingGraph g, Session session, EncodedSplit train, EncodedSplit val, FeatureCache trainFeatures, FeatureCache valFeatures) {
      this.g = g;
      this.session = session;
      this.train = train;
      this.val = val;
      this.trainFeatures = trainFeatures;
      this.valFeatures = valFeatures;
      TrainingConfig.Loop l = config.loop();
      batchesPerEpoch = (train.size() + l.batchSize() - 1) / l.batchSize();
      long stepsPerEpoch = (batchesPerEpoch + l.gradAccumulation() - 1) / l.gradAccumulation();
      long all = stepsPerEpoch * l.epochs();
      totalSteps = l.maxSteps() > 0 ? Math.min(all, l.maxSteps()) : all;
      TrainingConfig.Schedule s = config.schedule();
      long warmup = Math.min(totalSteps, LearningRateSchedule.warmupSteps(s.warmupSteps(), s.warmupRatio(), totalSteps));
      double headLr = config.optimizer().learningRate(), encLr = config.optimizer().encoderLearningRate();
      headSchedule = LearningRateSchedule.create(s.kind(), headLr, headLr * s.minLearningRateRatio(), warmup, totalSteps);
      encoderSchedule = LearningRateSchedule.create(s.kind(), encLr, encLr * s.minLearningRateRatio(), warmup, totalSteps);
    }

    /** The micro-batches of an epoch: a fixed function of (seed, epoch). */
    List<int[]> batches(int epoch) {
      long seed = config.loop().seed() * 1_000_003L + epoch;
      int bs = config.loop().batchSize();
      if (config.tokens().lengthBucketing() && trainFeatures == null) return LengthBuckets.batches(train.lengths(), bs, seed);
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < train.size(); i++) order.add(i);
      Collections.shuffle(order, new Random(seed));
      List<int[]> out = new ArrayList<>();
      for (int i = 0; i < order.size(); i += bs) {
        out.add(order.subList(i, Math.min(order.size(), i + bs)).stream().mapToInt(Integer::intValue).toArray());
      }
      return out;
    }

    TrainerState run(TrainerState start) {
      TrainerState st = start;
      TrainingConfig.Loop l = config.loop();
      long microTotal = (long) batchesPerEpoch * l.epochs();
      List<TrainerState.CurvePoint> curve = new ArrayList<>(st.curve());
      List<TrainerState.HistoryRow> history = new ArrayList<>(st.history());
      long step = st.step();
      double bestMetric = st.bestMetric();
      long bestStep = st.bestStep();
      int bad = st.badValidations();
      boolean stopped = st.stoppedEarly();
      int epoch = st.epoch(), inEpoch = st.batchInEpoch();
      double lossSinceValidation = st.lossSinceValidation();
      int batchesSinceValidation = st.batchesSinceValidation();
      long seqSinceValidation = 0, nanosSinceValidation = 0;
      // a resumed run starts from last.ckpt, which was written at its step
      lastGoodStep = checkpoints.hasLast() && step > 0 ? step : -1;
      try (ProgressBar bar = progressBar("train", Math.min(microTotal, totalSteps * l.gradAccumulation()))) {
        if (bar != null) bar.stepTo((long) epoch * batchesPerEpoch + inEpoch);
        while (!stopped && epoch < l.epochs() && step < totalSteps) {
          long epochStart = System.nanoTime();
          List<int[]> batches = batches(epoch);
          double stepLoss = 0;
          int pending = 0;
          for (int b = inEpoch; b < batches.size(); b++) {
            long t0 = System.nanoTime();
            boolean last = b == batches.size() - 1;
            boolean applyNow = (pending + 1) == l.gradAccumulation() || last;
            double headLr = headSchedule.rate(step), encLr = encoderSchedule.rate(step);
            StepResult result = trainStep(batches.get(b), applyNow, headLr, encLr, new long[] {l.seed(), (long) epoch * batchesPerEpoch + b});
            float lossValue = result.loss();
            // stop before anything of a diverged step can reach a checkpoint, the model or a report
            requireFinite(step + 1, "the training loss", lossValue);
            if (applyNow) requireFinite(step + 1, "the gradient norm", result.gradNorm());
            stepLoss += lossValue;
            pending++;
            lossSinceValidation += lossValue;
            batchesSinceValidation++;
            seqSinceValidation += batches.get(b).length;
            nanosSinceValidation += System.nanoTime() - t0;
            if (bar != null) {
              bar.step();
              bar.setExtraMessage(String.format(java.util.Locale.ROOT, " loss %.4f lr %.2e %.0f seq/s", lossValue, headLr,
                  seqSinceValidation / (nanosSinceValidation / 1e9)));
            }
            if (!applyNow) continue;
            step++;
            curve.add(new TrainerState.CurvePoint(step, stepLoss / pending, headLr));
            stepLoss = 0;
            pending = 0;
            inEpoch = b + 1;
            boolean epochEnd = last;
            boolean validateNow = config.validation().everySteps() > 0
                ? step % config.validation().everySteps() == 0 || step == totalSteps
                : epochEnd || step == totalSteps;
            int nextEpoch = epochEnd ? epoch + 1 : epoch;
            int nextInEpoch = epochEnd ? 0 : inEpoch;
            if (validateNow) {
              Validation v = validate();
              requireFinite(step, "the validation loss", (float) v.metrics().loss());
              double seqPerSec = seqSinceValidation / Math.max(1e-9, nanosSinceValidation / 1e9);
              history.add(new TrainerState.HistoryRow(step, epoch, lossSinceValidation / batchesSinceValidation, headLr,
                  v.metrics().loss(), v.metrics().accuracy(), v.metrics().macroF1(), seqPerSec));
              lossSinceValidation = 0;
              batchesSinceValidation = 0;
              seqSinceValidation = 0;
              nanosSinceValidation = 0;
              double value = v.metrics().metric(config.validation().metric());
              boolean better = Double.isNaN(bestMetric)
                  || (ClassificationMetrics.higherIsBetter(config.validation().metric()) ? value > bestMetric : value < bestMetric);
              if (better) {
                bestMetric = value;
                bestStep = step;
                bad = 0;
              } else {
                bad++;
                if (config.validation().patience() > 0 && bad >= config.validation().patience()) stopped = true;
              }
              st = new TrainerState(step, nextEpoch, nextInEpoch, bestMetric, bestStep, bad, stopped, 0, 0, history, curve);
              Map<String, CheckpointStore.Tensor> values = finiteValues(step, g.read(session, g.checkpointed));
              if (better) checkpoints.writeBest(st, g.read(session, g.trained));
              checkpoints.writeLast(st, values);
              lastGoodStep = step;
              afterCheckpoint.accept(st);
            } else if (l.checkpointEverySteps() > 0 && step % l.checkpointEverySteps() == 0) {
              st = new TrainerState(step, nextEpoch, nextInEpoch, bestMetric, bestStep, bad, stopped, lossSinceValidation,
                  batchesSinceValidation, history, curve);
              checkpoints.writeLast(st, finiteValues(step, g.read(session, g.checkpointed)));
              lastGoodStep = step;
              afterCheckpoint.accept(st);
            }
            if (stopped || step >= totalSteps) break;
          }
          epochSeconds.add((System.nanoTime() - epochStart) / 1e9);
          if (stopped || step >= totalSteps) {
            // the position after the last step is already in epoch/inEpoch terms of a finished epoch
            if (inEpoch >= batches.size()) {
              epoch++;
              inEpoch = 0;
            }
            break;
          }
          epoch++;
          inEpoch = 0;
        }
      }
      return new TrainerState(step, epoch, inEpoch, bestMetric, bestStep, bad, stopped, lossSinceValidation,
          batchesSinceValidation, history, curve);
    }

    /** The step of the newest last.ckpt, or -1 when none was written. */
    private long lastGoodStep = -1;

    private void requireFinite(long step, String what, float value) {
      if (!Float.isFinite(value)) {
        throw new TrainingDivergedException(step, what, value, lastGoodStep < 0 ? null : checkpoints.last(), lastGoodStep);
      }
    }

    /** {@code values} when every one is finite: a checkpoint is only ever written from a sound state. */
    private Map<String, CheckpointStore.Tensor> finiteValues(long step, Map<String, CheckpointStore.Tensor> values) {
      for (Map.Entry<String, CheckpointStore.Tensor> e : values.entrySet()) {
        for (float v : e.getValue().values()) {
          if (!Float.isFinite(v)) requireFinite(step, "variable " + e.getKey(), v);
        }
      }
      return values;
    }

    /** A micro-batch's loss, and the global gradient norm of the update it completed (0 when it only accumulated). */
    private record StepResult(float loss, float gradNorm) {}

    private StepResult trainStep(int[] idx, boolean apply, double headLr, double encLr, long[] seed) {
      List<Tensor> fed = new ArrayList<>();
      try {
        Session.Runner run = session.runner();
        feedInputs(run, fed, idx, train, trainFeatures);
        int[] y = new int[idx.length];
        for (int i = 0; i < idx.length; i++) y[i] = train.labels()[idx[i]];
        TInt32 labelsT = TInt32.vectorOf(y);
        fed.add(labelsT);
        run.feed(g.labelIds, labelsT);
        TFloat32 rate = TFloat32.scalarOf((float) config.head().dropout());
        fed.add(rate);
        run.feed(g.dropoutRate, rate);
        TInt64 seedT = TInt64.vectorOf(seed);
        fed.add(seedT);
        run.feed(g.dropoutSeed, seedT);
        if (g.encoder != null) {
          TFloat32 encoderRate = TFloat32.scalarOf((float) config.freeze().encoderDropout());
          fed.add(encoderRate);
          run.feed(g.encoder.dropoutRate(), encoderRate);
          run.feed(g.encoder.dropoutSeed(), seedT);
        }
        Op accumulate = g.optimizer.accumulate();
        if (accumulate != null) run.addTarget(accumulate);
        if (apply && accumulate == null) {
          feedLearningRates(run, fed, headLr, encLr);
          run.addTarget(g.optimizer.apply());
        }
        run.fetch(g.loss);
        boolean normHere = apply && accumulate == null;
        if (normHere) run.fetch(g.optimizer.gradNorm());
        float loss, gradNorm = 0;
        try (org.tensorflow.Result r = run.run()) {
          loss = ((TFloat32) r.get(0)).getFloat();
          if (normHere) gradNorm = ((TFloat32) r.get(1)).getFloat();
        }
        if (apply && accumulate != null) {
          // a separate run, so the update sees this micro-batch's contribution in the accumulators
          Session.Runner applyRun = session.runner().addTarget(g.optimizer.apply()).fetch(g.optimizer.gradNorm());
          feedLearningRates(applyRun, fed, headLr, encLr);
          try (org.tensorflow.Result r = applyRun.run()) {
            gradNorm = ((TFloat32) r.get(0)).getFloat();
          }
        }
        return new StepResult(loss, gradNorm);
      } finally {
        fed.forEach(Tensor::close);
      }
    }

    /** Feeds each parameter group's learning rate for this step. */
    private void feedLearningRates(Session.Runner run, List<Tensor> fed, double headLr, double encLr) {
      for (Map.Entry<String, Placeholder<TFloat32>> e : g.optimizer.learningRates().entrySet()) {
        TFloat32 lr = TFloat32.scalarOf((float) (e.getKey().equals("head") ? headLr : encLr));
        fed.add(lr);
        run.feed(e.getValue(), lr);
      }
    }

    private void feedInputs(Session.Runner run, List<Tensor> fed, int[] idx, EncodedSplit split, FeatureCache cache) {
      if (cache != null) {
        TFloat32 f = TFloat32.tensorOf(Shape.of(idx.length, cache.hidden()), DataBuffers.of(cache.rows(idx), true, false));
        fed.add(f);
        run.feed(g.features, f);
        return;
      }
      List<int[]> rows = new ArrayList<>();
      for (int i : idx) rows.add(split.tokenIds().get(i));
      TokenBatch b = TokenBatch.of(rows);
      Shape shape = Shape.of(b.size(), b.seqLen());
      TInt32 ids = TInt32.tensorOf(shape, DataBuffers.of(b.inputWordIds(), true, false));
      fed.add(ids);
      TInt32 mask = TInt32.tensorOf(shape, DataBuffers.of(b.inputMask(), true, false));
      fed.add(mask);
      TInt32 types = TInt32.tensorOf(shape, DataBuffers.of(b.inputTypeIds(), true, false));
      fed.add(types);
      run.feed(g.encoder.inputWordIds(), ids).feed(g.encoder.inputMask(), mask).feed(g.encoder.inputTypeIds(), types);
    }

    /** Predictions and metrics on the validation split (no dropout). */
    Validation validate() {
      int n = val.size(), c = labels.size();
      ConfusionMatrix m = new ConfusionMatrix(c);
      double lossSum = 0;
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) order[i] = i;
      // sorted by length so each batch pads little; the result does not depend on the order
      java.util.Arrays.sort(order, java.util.Comparator.comparingInt(i -> val.tokenIds().get(i).length));
      int bs = config.validation().batchSize();
      for (int start = 0; start < n; start += bs) {
        int end = Math.min(n, start + bs);
        int[] idx = new int[end - start];
        for (int i = start; i < end; i++) idx[i - start] = order[i];
        List<Tensor> fed = new ArrayList<>();
        try {
          Session.Runner run = session.runner();
          feedInputs(run, fed, idx, val, valFeatures);
          try (org.tensorflow.Result r = run.fetch(g.head.probabilities()).run()) {
            TFloat32 p = (TFloat32) r.get(0);
            float[] probs = new float[idx.length * c];
            p.copyTo(DataBuffers.of(probs, false, false));
            for (int i = 0; i < idx.length; i++) {
              int best = 0;
              for (int k = 1; k < c; k++) if (probs[i * c + k] > probs[i * c + best]) best = k;
              int truth = val.labels()[idx[i]];
              m.add(truth, best);
              lossSum += -Math.log(Math.max(probs[i * c + truth], 1e-12));
            }
          }
        } finally {
          fed.forEach(Tensor::close);
        }
      }
      return new Validation(ClassificationMetrics.of(m, labels, n == 0 ? Double.NaN : lossSum / n));
    }
  }

  private record Validation(ClassificationMetrics metrics) {}
}
