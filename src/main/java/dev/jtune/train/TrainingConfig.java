package dev.jtune.train;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jtune.JtuneException;
import dev.jtune.data.StrictJson;
import dev.jtune.artifact.JtuneJson;
import dev.jtune.artifact.NamedChoice;
import dev.jtune.artifact.Pooling;
import dev.jtune.artifact.Truncation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything that defines a fine-tuning run, grouped by concern. Each field carries its help text
 * ({@link JsonPropertyDescription}), which {@link #describe()} lists for the CLI and the docs. The
 * JSON form (snake_case) is both the config-file format and the {@code config.json} a run saves.
 * Defaults train a frozen-encoder classifier quickly; every value is validated on construction.
 */
public record TrainingConfig(
    @JsonPropertyDescription("encoder SavedModel folder (savedmodels/<name>)") String model,
    @JsonPropertyDescription("prepared dataset folder (datasets/<name>) with train/val/test.csv and labels.txt") String data,
    @JsonPropertyDescription("finished run folder (runs/<run>) whose trained classifier starts this run: its encoder and head weights replace the pretrained encoder and the random head (empty = pretrained encoder, random head)") String initFrom,
    @JsonPropertyDescription("tokenization") Tokens tokens,
    @JsonPropertyDescription("classifier head") Head head,
    @JsonPropertyDescription("loss function") Loss loss,
    @JsonPropertyDescription("which encoder variables train") Freeze freeze,
    @JsonPropertyDescription("AdamW optimizer") Optimizer optimizer,
    @JsonPropertyDescription("learning-rate schedule") Schedule schedule,
    @JsonPropertyDescription("training loop") Loop loop,
    @JsonPropertyDescription("validation, early stopping and best checkpoint") Validation validation,
    @JsonPropertyDescription("encoder feature cache (pooled features of a fully frozen encoder; the frozen layers' output with unfreeze_top)") Cache cache,
    @JsonPropertyDescription("what the run's report compares") Report report,
    @JsonPropertyDescription("knowledge distillation from a finished teacher run (jtune distill)") Distillation distillation,
    @JsonPropertyDescription("structured pruning of a finished run before this run fine-tunes it (jtune prune)") Pruning pruning) {

  /** Tokenization settings. */
  public record Tokens(
      @JsonPropertyDescription("longest token sequence fed to the encoder (incl. [CLS]/[SEP]); longer texts are truncated; batches pad only to their longest text") int maxSeqLen,
      @JsonPropertyDescription("group training batches by token length so each batch pads little") boolean lengthBucketing,
      @JsonPropertyDescription("which tokens of a text longer than max_seq_len are kept ([CLS] and [SEP] always); saved in classifier.json, so evaluate, export, score and serve cut texts the same way") Truncation truncation,
      @JsonPropertyDescription("with truncation head+tail: the first tokens kept, the tail gets max_seq_len - 2 - head_tokens (-1 = auto: a quarter of max_seq_len - 2, 128 of 510)") int headTokens) {
    public Tokens {
      require(maxSeqLen >= 3, "tokens.max_seq_len", maxSeqLen, "must be >= 3");
      require(truncation != null, "tokens.truncation", truncation, "must be " + orList(Truncation.names()));
      if (truncation == Truncation.HEAD_TAIL) {
        boolean auto = headTokens == -1;
        String problem = Truncation.headTokensProblem(maxSeqLen, auto ? Truncation.autoHeadTokens(maxSeqLen) : headTokens);
        require(problem == null, auto ? "tokens.truncation" : "tokens.head_tokens", auto ? truncation : headTokens,
            auto ? problem : problem + " (or -1 = auto)");
      } else {
        // a head length with head or tail would be ignored: refuse it rather than drop it silently
        require(headTokens == -1, "tokens.head_tokens", headTokens, "is only used with tokens.truncation head+tail (this run "
            + "truncates " + truncation + "); remove it or pass --truncation head+tail");
      }
    }

    /** The leading tokens head+tail keeps, auto resolved; -1 with head and tail. */
    public int resolvedHeadTokens() {
      if (truncation != Truncation.HEAD_TAIL) return -1;
      return headTokens == -1 ? Truncation.autoHeadTokens(maxSeqLen) : headTokens;
    }
  }

  /** The classifier head on top of the encoder. */
  public record Head(
      @JsonPropertyDescription("how token vectors become one vector (an encoder with a dense pooler applies it after)") Pooling pooling,
      @JsonPropertyDescription("dropout rate on the pooled vector during training (0 = off)") double dropout,
      @JsonPropertyDescription("concatenate the pooled vectors of the top N encoder layers (1 = last layer only); an encoder with fewer layers uses all of them") int layers,
      @JsonPropertyDescription("wide-and-deep head: add a linear model over the input's token ids and this many hashed token-bigram buckets, trained jointly (0 = off; e.g. 262144)") int wideBuckets) {
    public Head {
      require(layers >= 1, "head.layers", layers, "must be >= 1");
      require(wideBuckets >= 0, "head.wide_buckets", wideBuckets, "must be >= 0 (0 = no wide part)");
      require(pooling != null, "head.pooling", pooling, "must be " + orList(Pooling.names()));
      require(dropout >= 0 && dropout < 1, "head.dropout", dropout, "must be in [0, 1)");
    }

    /** The number of layers the head concatenates over an encoder with {@code encoderLayers} layers. */
    public int layersOf(int encoderLayers) {
      return Math.min(layers, encoderLayers);
    }
  }

  /** Loss settings. */
  public record Loss(
      @JsonPropertyDescription("class weights: none (every class 1), balanced (n / (C * count_c) from train) or a list with one weight per label, in the order of labels.txt") ClassWeights classWeights,
      @JsonPropertyDescription("label smoothing epsilon: targets become (1 - eps) * one_hot + eps / num_labels") double labelSmoothing) {
    public Loss {
      if (classWeights == null) classWeights = ClassWeights.NONE;
      require(labelSmoothing >= 0 && labelSmoothing < 1, "loss.label_smoothing", labelSmoothing, "must be in [0, 1)");
    }
  }

  /** Freezing strategy. */
  public record Freeze(
      @JsonPropertyDescription("train the top K transformer layers too (0 = encoder frozen, only the head trains)") int unfreezeTop,
      @JsonPropertyDescription("train every encoder layer (and the pooler)") boolean unfreezeAll,
      @JsonPropertyDescription("with unfreeze_all: also train the embeddings (large dense gradient)") boolean trainEmbeddings,
      @JsonPropertyDescription("dropout rate inside the encoder blocks that train (attention probabilities and the hidden states before each residual add, as in BERT fine-tuning; 0 = off); frozen blocks run as at inference") double encoderDropout) {
    public Freeze {
      require(encoderDropout >= 0 && encoderDropout < 1, "freeze.encoder_dropout", encoderDropout, "must be in [0, 1)");
      require(unfreezeTop >= 0, "freeze.unfreeze_top", unfreezeTop, "must be >= 0");
      require(!(unfreezeAll && unfreezeTop > 0), "freeze.unfreeze_top", unfreezeTop, "cannot be combined with unfreeze_all");
      require(!trainEmbeddings || unfreezeAll, "freeze.train_embeddings", trainEmbeddings, "needs unfreeze_all");
    }

    /** True when no encoder variable trains (the feature cache can be used). */
    public boolean encoderFrozen() {
      return unfreezeTop == 0 && !unfreezeAll;
    }

    /**
     * The shallowest trained encoder block, as {@link dev.jtune.model.EncoderParameter#depth}
     * (0 = embeddings, {@code 1 + l} = layer l); {@link Integer#MAX_VALUE} when only the head trains.
     */
    public int firstTrainedDepth(int numLayers) {
      if (encoderFrozen()) return Integer.MAX_VALUE;
      if (unfreezeAll) return trainEmbeddings ? 0 : 1;
      return numLayers + 1 - Math.min(unfreezeTop, numLayers);
    }
  }

  /** AdamW settings. */
  public record Optimizer(
      @JsonPropertyDescription("peak learning rate of the classifier head") double learningRate,
      @JsonPropertyDescription("peak learning rate of unfrozen encoder variables") double encoderLearningRate,
      @JsonPropertyDescription("decoupled weight decay (not on biases and LayerNorm gamma/beta)") double weightDecay,
      @JsonPropertyDescription("Adam first-moment decay (beta1)") double beta1,
      @JsonPropertyDescription("Adam second-moment decay (beta2)") double beta2,
      @JsonPropertyDescription("Adam epsilon") double epsilon,
      @JsonPropertyDescription("clip gradients to this global L2 norm (0 = no clipping)") double maxGradNorm,
      @JsonPropertyDescription("peak learning rate of the wide part's table (head.wide_buckets > 0)") double wideLearningRate,
      @JsonPropertyDescription("decoupled weight decay of the wide part's table") double wideWeightDecay) {
    public Optimizer {
      require(learningRate > 0 && Double.isFinite(learningRate), "optimizer.learning_rate", learningRate, "must be a finite number > 0");
      require(encoderLearningRate > 0 && Double.isFinite(encoderLearningRate), "optimizer.encoder_learning_rate", encoderLearningRate,
          "must be a finite number > 0");
      require(weightDecay >= 0 && Double.isFinite(weightDecay), "optimizer.weight_decay", weightDecay, "must be a finite number >= 0");
      require(beta1 >= 0 && beta1 < 1, "optimizer.beta1", beta1, "must be in [0, 1)");
      require(beta2 >= 0 && beta2 < 1, "optimizer.beta2", beta2, "must be in [0, 1)");
      require(epsilon > 0 && Double.isFinite(epsilon), "optimizer.epsilon", epsilon, "must be a finite number > 0");
      require(maxGradNorm >= 0 && Double.isFinite(maxGradNorm), "optimizer.max_grad_norm", maxGradNorm, "must be a finite number >= 0");
      require(wideLearningRate > 0 && Double.isFinite(wideLearningRate), "optimizer.wide_learning_rate", wideLearningRate,
          "must be a finite number > 0");
      require(wideWeightDecay >= 0 && Double.isFinite(wideWeightDecay), "optimizer.wide_weight_decay", wideWeightDecay,
          "must be a finite number >= 0");
    }
  }

  /** Learning-rate schedule (see {@link LearningRateSchedule}). */
  public record Schedule(
      @JsonPropertyDescription("learning-rate shape after the warmup") ScheduleKind kind,
      @JsonPropertyDescription("warmup length in optimizer steps (-1 = use warmup_ratio)") int warmupSteps,
      @JsonPropertyDescription("warmup length as a fraction of all optimizer steps (when warmup_steps = -1)") double warmupRatio,
      @JsonPropertyDescription("learning rate reached at the end of linear/cosine decay, as a fraction of each peak") double minLearningRateRatio) {
    public Schedule {
      require(kind != null, "schedule.kind", kind, "must be " + orList(ScheduleKind.names()));
      require(warmupSteps >= -1, "schedule.warmup_steps", warmupSteps, "must be >= 0 (or -1)");
      require(warmupRatio >= 0 && warmupRatio <= 1, "schedule.warmup_ratio", warmupRatio, "must be in [0, 1]");
      require(minLearningRateRatio >= 0 && minLearningRateRatio <= 1, "schedule.min_learning_rate_ratio", minLearningRateRatio, "must be in [0, 1]");
    }
  }

  /** Training loop settings. */
  public record Loop(
      @JsonPropertyDescription("passes over the train split (0 = auto: 30 on cached features of a frozen encoder, 3 when batches run through the encoder; early stopping usually ends a frozen run sooner)") int epochs,
      @JsonPropertyDescription("stop after this many optimizer steps (-1 = run all epochs)") long maxSteps,
      @JsonPropertyDescription("examples per micro-batch") int batchSize,
      @JsonPropertyDescription("micro-batches whose gradients are summed into one optimizer step") int gradAccumulation,
      @JsonPropertyDescription("seed for head initialization, data order and dropout (same seed + data = same metrics)") long seed,
      @JsonPropertyDescription("write a resumable checkpoint every N optimizer steps (0 = at every validation only)") int checkpointEverySteps) {
    public Loop {
      require(epochs >= 0, "loop.epochs", epochs, "must be >= 1 (or 0 = auto)");
      require(maxSteps == -1 || maxSteps >= 1, "loop.max_steps", maxSteps, "must be >= 1 (or -1)");
      require(batchSize >= 1, "loop.batch_size", batchSize, "must be >= 1");
      require(gradAccumulation >= 1, "loop.grad_accumulation", gradAccumulation, "must be >= 1");
      require(checkpointEverySteps >= 0, "loop.checkpoint_every_steps", checkpointEverySteps, "must be >= 0");
    }
  }

  /** Validation and early stopping. */
  public record Validation(
      @JsonPropertyDescription("validate every N optimizer steps (0 = at the end of every epoch)") int everySteps,
      @JsonPropertyDescription("examples per batch when evaluating") int batchSize,
      @JsonPropertyDescription("metric that picks the best checkpoint: macro_f1, accuracy or loss") String metric,
      @JsonPropertyDescription("stop after this many validations without improvement (0 = never stop early)") int patience) {
    public Validation {
      require(everySteps >= 0, "validation.every_steps", everySteps, "must be >= 0");
      require(batchSize >= 1, "validation.batch_size", batchSize, "must be >= 1");
      require(oneOf(metric, "macro_f1", "accuracy", "loss"), "validation.metric", metric, "must be macro_f1, accuracy or loss");
      require(patience >= 0, "validation.patience", patience, "must be >= 0");
    }
  }

  /** Feature cache of the frozen encoder's pooled vectors. */
  public record Cache(
      @JsonPropertyDescription("cache frozen-encoder features: auto (when the encoder is frozen) or off") String features,
      @JsonPropertyDescription("read cached features into memory up to this many MB, memory-map larger caches") int memoryMb,
      @JsonPropertyDescription("folder of feature files shared by runs (empty = .feature-cache next to the run folder)") String dir,
      @JsonPropertyDescription("with freeze.unfreeze_top K below the encoder's layer count: compute the frozen layers' output once (kept in the cache folder) and run only the top K layers each epoch; false runs the whole encoder every step") boolean topLayers) {
    public Cache {
      require(oneOf(features, "auto", "off"), "cache.features", features, "must be auto or off");
      require(memoryMb >= 0, "cache.memory_mb", memoryMb, "must be >= 0");
      if (dir == null) dir = "";
    }
  }

  /** What the run's report holds besides the fine-tuned model's own scores. */
  public record Report(
      @JsonPropertyDescription("fit a TF-IDF + logistic-regression baseline on the same splits (cached per dataset beside the feature cache) and compare it with the fine-tuned model in report.md and metrics.json, with a verdict on validation") boolean baseline,
      @JsonPropertyDescription("write TensorBoard event files into the run's tensorboard/ folder as it trains (tensorboard --logdir runs/ compares runs)") boolean tensorboard) {}

  /**
   * Knowledge distillation: the loss becomes {@code alpha * T^2 * KL(softmax(teacher/T) ||
   * softmax(student/T)) + (1 - alpha) * CE(labels, student)}, the teacher's logits computed once per
   * train text and cached. Off while {@code teacher} is empty.
   */
  public record Distillation(
      @JsonPropertyDescription("finished run folder (runs/<run>) whose classifier is the teacher (empty = no distillation)") String teacher,
      @JsonPropertyDescription("softmax temperature T of the distillation term") double temperature,
      @JsonPropertyDescription("weight of the distillation term; 1 - alpha weighs the cross-entropy on the labels (0 = plain fine-tuning)") double alpha,
      @JsonPropertyDescription("with student_layers = 0 the student is the model field's encoder; K > 0 makes it the teacher's own fine-tuned encoder cut to K layers") int studentLayers,
      @JsonPropertyDescription("which teacher layers a cut student keeps: spread (evenly, ending at the top layer), bottom (the first K), or 0-based indices such as 0,2,4") String layerMap,
      @JsonPropertyDescription("CSV (with a header) or JSONL file of extra unlabeled texts the student learns from the teacher's soft labels (empty = none)") String unlabeled,
      @JsonPropertyDescription("column (CSV) or field (JSONL) of the unlabeled file that holds the text") String unlabeledTextCol,
      @JsonPropertyDescription("fraction of the train split whose labels the student sees (chosen per class by the seed); the rest keep only the teacher's soft labels") double labeledFraction) {
    public Distillation {
      if (teacher == null) teacher = "";
      if (layerMap == null || layerMap.isBlank()) layerMap = "spread";
      if (unlabeled == null) unlabeled = "";
      if (unlabeledTextCol == null || unlabeledTextCol.isBlank()) unlabeledTextCol = "text";
      require(temperature > 0 && Double.isFinite(temperature), "distillation.temperature", temperature, "must be > 0");
      require(alpha >= 0 && alpha <= 1, "distillation.alpha", alpha, "must be in [0, 1]");
      require(studentLayers >= 0, "distillation.student_layers", studentLayers, "must be >= 0");
      require(labeledFraction > 0 && labeledFraction <= 1, "distillation.labeled_fraction", labeledFraction, "must be in (0, 1]");
      boolean on = !teacher.isEmpty();
      require(on || studentLayers == 0, "distillation.student_layers", studentLayers, "needs distillation.teacher (the encoder to cut)");
      require(on || unlabeled.isEmpty(), "distillation.unlabeled", unlabeled, "needs distillation.teacher (who labels the texts)");
      require(on || labeledFraction == 1, "distillation.labeled_fraction", labeledFraction,
          "needs distillation.teacher (who labels the rest)");
    }

    /** No distillation. */
    public static Distillation off() {
      return new Distillation("", 2.0, 0.5, 0, "spread", "", "text", 1.0);
    }

    public boolean on() {
      return !teacher.isEmpty();
    }

    /**
     * The 0-based teacher layers a cut student keeps, in order, for a teacher of {@code teacherLayers}:
     * {@code spread} takes layer {@code round((i + 1) * L / K) - 1} for i in 0..K-1 (12 -> 6 keeps
     * 1,3,5,7,9,11: every other one, the top layer included), {@code bottom} the first K.
     */
    public int[] keptLayers(int teacherLayers) {
      int k = studentLayers;
      if (k < 1 || k > teacherLayers) {
        throw new JtuneException("distillation.student_layers " + k + " must be between 1 and the teacher's " + teacherLayers + " layers");
      }
      int[] out = new int[k];
      switch (layerMap) {
        case "spread" -> {
          for (int i = 0; i < k; i++) out[i] = (int) Math.round((i + 1) * (double) teacherLayers / k) - 1;
        }
        case "bottom" -> {
          for (int i = 0; i < k; i++) out[i] = i;
        }
        default -> {
          String[] parts = layerMap.split(",", -1);
          if (parts.length != k) {
            throw new JtuneException("distillation.layer_map '" + layerMap + "' names " + parts.length + " layers but student_layers is "
                + k + "; give K comma-separated indices, spread or bottom");
          }
          for (int i = 0; i < k; i++) {
            try {
              out[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
              throw new JtuneException("distillation.layer_map '" + layerMap + "': '" + parts[i] + "' is not a layer index; give "
                  + "comma-separated 0-based indices, spread or bottom");
            }
            if (out[i] < 0 || out[i] >= teacherLayers || (i > 0 && out[i] <= out[i - 1])) {
              throw new JtuneException("distillation.layer_map '" + layerMap + "': indices must rise and lie in 0.." + (teacherLayers - 1));
            }
          }
        }
      }
      return out;
    }
  }

  /**
   * Structured pruning: the encoder of a finished run with a share of its attention heads and
   * feed-forward neurons removed (the least important by weight magnitude), its head kept, is what
   * this run fine-tunes (the recovery). Off while {@code from} is empty.
   */
  public record Pruning(
      @JsonPropertyDescription("finished run folder (runs/<run>) whose classifier is pruned and then fine-tuned by this run (empty = no pruning)") String from,
      @JsonPropertyDescription("fraction of all attention heads removed, in [0, 1) (a layer may lose all its heads)") double heads,
      @JsonPropertyDescription("fraction of all feed-forward neurons removed, in [0, 1) (each layer keeps at least one)") double ffn,
      @JsonPropertyDescription("how the budget is spent: global (units of all layers ranked together, each layer's scores normalised) or layer (the same fraction of every layer)") String scope,
      @JsonPropertyDescription("how heads and neurons are ranked: gradient (the absolute gradient of the source classifier's cross-entropy w.r.t. unit masks on train examples, Michel et al. 2019) or magnitude (weight norms, no data)") String importance,
      @JsonPropertyDescription("train examples (drawn by the seed) the gradient importance is computed on") int importanceExamples,
      @JsonPropertyDescription("magnitude pruning while training: the share of each trained encoder layer's kernel weights set to zero by the end of the schedule, in [0, 1) (0 = off)") double sparsity,
      @JsonPropertyDescription("sparsity at begin_step; it rises to pruning.sparsity as TF Model Optimization's PolynomialDecay (power 3)") double initialSparsity,
      @JsonPropertyDescription("optimizer step at which magnitude pruning starts") long beginStep,
      @JsonPropertyDescription("optimizer step at which the final sparsity is reached (-1 = two thirds of the run's steps; the rest trains at the final sparsity)") long endStep,
      @JsonPropertyDescription("recompute the masks every N optimizer steps between begin_step and end_step") int frequency) {
    public Pruning {
      if (from == null) from = "";
      if (scope == null || scope.isBlank()) scope = "global";
      require(heads >= 0 && heads < 1, "pruning.heads", heads, "must be in [0, 1)");
      require(ffn >= 0 && ffn < 1, "pruning.ffn", ffn, "must be in [0, 1)");
      require(oneOf(scope, "global", "layer"), "pruning.scope", scope, "must be global or layer");
      if (importance == null || importance.isBlank()) importance = "gradient";
      require(oneOf(importance, "gradient", "magnitude"), "pruning.importance", importance, "must be gradient or magnitude");
      require(importanceExamples >= 1, "pruning.importance_examples", importanceExamples, "must be >= 1");
      require(!from.isEmpty() || (heads == 0 && ffn == 0), "pruning.heads", heads, "needs pruning.from (the run to prune)");
      require(sparsity >= 0 && sparsity < 1, "pruning.sparsity", sparsity, "must be in [0, 1)");
      require(initialSparsity >= 0 && initialSparsity <= sparsity || sparsity == 0 && initialSparsity == 0, "pruning.initial_sparsity",
          initialSparsity, "must be in [0, pruning.sparsity]");
      require(beginStep >= 0, "pruning.begin_step", beginStep, "must be >= 0");
      require(endStep == -1 || endStep > beginStep, "pruning.end_step", endStep, "must be after pruning.begin_step (or -1)");
      require(frequency >= 1, "pruning.frequency", frequency, "must be >= 1");
    }

    public static Pruning off() {
      return new Pruning("", 0, 0, "global", "gradient", 1024, 0, 0, 0, -1, 100);
    }

    /** Whether weights are masked by magnitude while training. */
    public boolean magnitude() {
      return sparsity > 0;
    }

    public boolean on() {
      return !from.isEmpty();
    }
  }

  public TrainingConfig {
    if (distillation == null) distillation = Distillation.off();
    if (pruning == null) pruning = Pruning.off();
    require(model != null && !model.isBlank(), "model", model, "must name an encoder SavedModel folder");
    require(data != null && !data.isBlank(), "data", data, "must name a prepared dataset folder");
    if (initFrom == null) initFrom = "";
    require(!pruning.on() || initFrom.isEmpty(), "init_from", initFrom, "cannot be combined with pruning.from (the pruned run is the start)");
    require(!pruning.on() || distillation.studentLayers() == 0, "distillation.student_layers", distillation.studentLayers(),
        "cannot be combined with pruning.from (the pruned run is the student)");
    require(!pruning.magnitude() || freeze == null || !freeze.encoderFrozen(), "pruning.sparsity", pruning.sparsity(),
        "prunes trained encoder weights, but the encoder is frozen; pass --unfreeze all (or --unfreeze-top K)");
    java.util.Objects.requireNonNull(tokens, "tokens");
    java.util.Objects.requireNonNull(head, "head");
    java.util.Objects.requireNonNull(loss, "loss");
    java.util.Objects.requireNonNull(freeze, "freeze");
    java.util.Objects.requireNonNull(optimizer, "optimizer");
    java.util.Objects.requireNonNull(schedule, "schedule");
    java.util.Objects.requireNonNull(loop, "loop");
    java.util.Objects.requireNonNull(validation, "validation");
    java.util.Objects.requireNonNull(cache, "cache");
    if (report == null) report = new Report(true, true);
    if (loop.epochs() == 0) {
      // epochs on cached features cost a fraction of a second; epochs through the encoder cost minutes
      int auto = freeze.encoderFrozen() && cache.features().equals("auto") ? AUTO_EPOCHS_CACHED : AUTO_EPOCHS_ENCODER;
      loop = new Loop(auto, loop.maxSteps(), loop.batchSize(), loop.gradAccumulation(), loop.seed(), loop.checkpointEverySteps());
    }
  }

  /** Epochs chosen by {@code loop.epochs = 0} on cached features of a frozen encoder. */
  public static final int AUTO_EPOCHS_CACHED = 30;
  /** Epochs chosen by {@code loop.epochs = 0} when batches run through the encoder. */
  public static final int AUTO_EPOCHS_ENCODER = 3;

  /**
   * Defaults: frozen encoder + cached features over a 256-token window, a head over the mean-pooled top
   * 4 layers, AdamW (head 1e-3) with linear decay, auto epochs.
   */
  public static TrainingConfig defaults() {
    return new TrainingConfig(
        "savedmodels/all-minilm-l6-v2",
        "datasets/spamassassin",
        "",
        new Tokens(256, true, Truncation.HEAD, -1),
        new Head(Pooling.MEAN, 0.1, 4, 0),
        new Loss(ClassWeights.NONE, 0.0),
        new Freeze(0, false, false, 0.1),
        new Optimizer(1e-3, 3e-5, 0.01, 0.9, 0.999, 1e-8, 1.0, 1e-3, 0.0),
        new Schedule(ScheduleKind.LINEAR, -1, 0.06, 0.0),
        new Loop(0, -1, 32, 1, 42, 0),
        new Validation(0, 64, "macro_f1", 3),
        new Cache("auto", 1024, "", true),
        new Report(true, true),
        Distillation.off(),
        Pruning.off());
  }

  /**
   * Checks the settings that depend on the dataset's labels: {@code loss.class_weights} as a list needs
   * one weight per label. A run calls this before it writes anything.
   */
  public void requireFitsLabels(List<String> labels) {
    loss.classWeights().requireFits(labels);
  }

  /** True when the encoder's features can be computed once and cached. */
  public boolean usesFeatureCache() {
    return freeze.encoderFrozen() && cache.features().equals("auto");
  }

  /**
   * True when the frozen bottom layers' output can be computed once and only the top {@code
   * freeze.unfreeze_top} layers run each step: some but not all of the {@code encoderLayers} train,
   * the embeddings are frozen, and {@code cache.top_layers} is on.
   */
  public boolean usesLayerCache(int encoderLayers) {
    return cache.topLayers() && !freeze.unfreezeAll() && freeze.unfreezeTop() > 0 && freeze.unfreezeTop() < encoderLayers;
  }

  /**
   * The effective config: defaults, overlaid by the JSON file (if any), overlaid by {@code overrides}
   * (dotted snake_case keys such as {@code optimizer.learning_rate}; values as JSON scalars or strings).
   * Every value is checked against its field's type as it is read (a whole number where the field is
   * integral, a finite number, a string, true/false), so a wrong value is refused naming its field and
   * where it came from; a key given twice or an unknown field is refused too.
   */
  public static TrainingConfig resolve(Path file, Map<String, ?> overrides) {
    ObjectNode tree = defaultTree();
    if (file != null) {
      String text;
      try {
        text = Files.readString(file);
      } catch (IOException e) {
        throw new JtuneException(file + ": cannot read config: " + firstLine(e.getMessage()));
      }
      JsonNode fromFile = StrictJson.parse(file, 1, text, "fix the JSON of the training config");
      if (!(fromFile instanceof ObjectNode obj)) throw new JtuneException(file + ": a training config must be a JSON object");
      merge(tree, obj, file.toString(), "");
    }
    for (Map.Entry<String, ?> e : overrides.entrySet()) set(tree, e.getKey(), e.getValue());
    return fromTree(tree, file == null ? "config" : file.toString());
  }

  /** Reads a config written by {@link #write} (e.g. a run's config.json). */
  public static TrainingConfig read(Path file) {
    return resolve(file, Map.of());
  }

  public void write(Path file) {
    JtuneJson.write(file, this);
  }

  public String toJson() {
    try {
      return JtuneJson.MAPPER.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * One config field: dotted key, default value (as JSON), help text and the Java type of its value.
   * The help text is the one text of the field: {@code --list-options}, the CLI's flags and the docs'
   * field table show it as it is.
   */
  public record Field(String key, String defaultValue, String help, Class<?> type) {
    @Override
    public String toString() {
      return String.format("%-34s %-16s %s", key, defaultValue, help);
    }
  }

  /** Every leaf field with its default and help text, in declaration order. */
  public static List<Field> describe() {
    List<Field> out = new ArrayList<>();
    describe(TrainingConfig.class, "", defaultTree(), out);
    return out;
  }

  /** The defaults as JSON, with auto values still unresolved (they depend on the final settings). */
  private static ObjectNode defaultTree() {
    ObjectNode tree = JtuneJson.MAPPER.valueToTree(defaults());
    ((ObjectNode) tree.get("loop")).put("epochs", 0);
    return tree;
  }

  private static void describe(Class<?> type, String prefix, JsonNode defaults, List<Field> out) {
    for (var c : type.getRecordComponents()) {
      String key = snake(c.getName());
      // the annotation is propagated to the accessor, not kept on the record component
      JsonPropertyDescription d = c.getAccessor().getAnnotation(JsonPropertyDescription.class);
      String help = d == null ? "" : d.value();
      if (c.getType().isRecord()) {
        describe(c.getType(), prefix + key + ".", defaults.get(key), out);
      } else {
        Map<String, String> choices = CHOICES.get(c.getType());
        if (choices != null) {
          List<String> each = choices.entrySet().stream().map(e -> e.getKey() + " = " + e.getValue()).toList();
          help += ": " + String.join("; ", each);
        }
        out.add(new Field(prefix + key, defaults.get(key).toString(), help, c.getType()));
      }
    }
  }

  /**
   * The fields whose value is one name out of a registry (an enum), each name with its help. A new
   * pooling or schedule is a constant of its enum: the check, {@code --list-options}, the CLI and the
   * docs take it from here.
   */
  private static final Map<Class<?>, Map<String, String>> CHOICES = Map.of(
      Pooling.class, choices(Pooling.values()),
      ScheduleKind.class, choices(ScheduleKind.values()),
      Truncation.class, choices(Truncation.values()));

  private static Map<String, String> choices(NamedChoice[] values) {
    Map<String, String> out = new LinkedHashMap<>();
    for (NamedChoice v : values) out.put(v.jsonName(), v.help());
    return out;
  }

  /** "a, b or c". */
  private static String orList(List<String> names) {
    if (names.size() == 1) return names.get(0);
    return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
  }

  /** A name outside its registry, refused as a range error (the value has the right type, a string). */
  private static void requireKnownChoices(ObjectNode tree, String source) {
    for (Map.Entry<String, Class<?>> e : TYPES.entrySet()) {
      Map<String, String> choices = CHOICES.get(e.getValue());
      if (choices == null) continue;
      JsonNode value = tree.at("/" + e.getKey().replace('.', '/'));
      if (value.isTextual() && !choices.containsKey(value.asText())) {
        throw new JtuneException(source + ": training config field " + e.getKey() + " = " + value.asText() + ": must be "
            + orList(List.copyOf(choices.keySet())));
      }
    }
  }

  private static String snake(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
  }

  /** Where command-line values come from, in messages. */
  private static final String COMMAND_LINE = "command line";

  private static void merge(ObjectNode into, ObjectNode from, String source, String prefix) {
    for (Map.Entry<String, JsonNode> e : from.properties()) {
      String key = prefix + e.getKey();
      JsonNode current = into.get(e.getKey());
      if (current == null) throw unknownField(source, key);
      if (current instanceof ObjectNode cur) {
        if (!(e.getValue() instanceof ObjectNode sub)) {
          throw new JtuneException(source + ": " + key + ": expected an object of settings (" + String.join(", ", fieldNames(cur))
              + "), got " + shown(e.getValue()));
        }
        merge(cur, sub, source, key + ".");
      } else {
        into.set(e.getKey(), checked(key, e.getValue(), current, source));
      }
    }
  }

  private static void set(ObjectNode tree, String dottedKey, Object value) {
    String[] parts = dottedKey.split("\\.", -1);
    ObjectNode node = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      if (!(node.get(parts[i]) instanceof ObjectNode next)) throw unknownField(COMMAND_LINE, dottedKey);
      node = next;
    }
    String leaf = parts[parts.length - 1];
    JsonNode current = node.get(leaf);
    if (current == null) throw unknownField(COMMAND_LINE, dottedKey);
    if (current instanceof ObjectNode group) {
      throw new JtuneException(COMMAND_LINE + ": " + dottedKey + " is a group of settings; set one of its fields, e.g. "
          + dottedKey + "." + fieldNames(group).get(0) + " (see jtune train --list-options)");
    }
    JsonNode v;
    Class<?> type = TYPES.get(dottedKey);
    boolean text = type == String.class || CHOICES.containsKey(type);
    if (value instanceof String s && !text && (type != ClassWeights.class || s.strip().startsWith("["))) {
      // numbers, booleans and lists arrive as text on the command line; anything else stays text and is refused below
      v = StrictJson.parseValue(s).orElse(JtuneJson.MAPPER.getNodeFactory().textNode(s));
    } else {
      v = JtuneJson.MAPPER.valueToTree(value);
    }
    node.set(leaf, checked(dottedKey, v, current, COMMAND_LINE));
  }

  /** Each dotted key and the Java type of its value (a record type for a group of settings). */
  private static final Map<String, Class<?>> TYPES = types(TrainingConfig.class, "", new LinkedHashMap<>());

  private static Map<String, Class<?>> types(Class<?> record, String prefix, Map<String, Class<?>> out) {
    for (var c : record.getRecordComponents()) {
      String key = prefix + snake(c.getName());
      out.put(key, c.getType());
      if (c.getType().isRecord()) types(c.getType(), key + ".", out);
    }
    return out;
  }

  /**
   * {@code value} if it has the type of field {@code key}, as the node the record reads (an integral
   * number written as {@code 3.0} becomes {@code 3}); otherwise an error naming the field, the value
   * and the default.
   */
  private static JsonNode checked(String key, JsonNode value, JsonNode defaultValue, String source) {
    Class<?> type = TYPES.get(key);
    String expected = null;
    JsonNode result = value;
    if (type == int.class || type == long.class) {
      boolean integral = value.isIntegralNumber()
          || (value.isFloatingPointNumber() && Double.isFinite(value.doubleValue()) && value.doubleValue() == Math.rint(value.doubleValue()));
      boolean fits = integral && (type == int.class ? value.canConvertToInt() : value.canConvertToLong());
      if (!value.isNumber() || !integral) {
        expected = "a whole number";
      } else if (!fits) {
        expected = "a whole number from " + (type == int.class ? Integer.MIN_VALUE + " to " + Integer.MAX_VALUE
            : Long.MIN_VALUE + " to " + Long.MAX_VALUE);
      } else {
        result = type == int.class ? IntNode.valueOf(value.intValue()) : LongNode.valueOf(value.longValue());
      }
    } else if (type == double.class) {
      if (!value.isNumber()) {
        expected = "a number";
      } else if (!Double.isFinite(value.doubleValue())) {
        expected = "a finite number (this one is beyond the range of a double)";
      }
    } else if (type == boolean.class) {
      if (!value.isBoolean()) expected = "true or false";
    } else if (type == String.class || CHOICES.containsKey(type)) {
      if (!value.isTextual()) expected = "a string";
    } else if (type == ClassWeights.class) {
      // loss.class_weights: a keyword or one number per label
      boolean ok = value.isTextual() || (value.isArray() && value.size() > 0 && allNumbers(value));
      if (!ok) expected = "\"none\", \"balanced\" or a list of numbers (one per label)";
    } else {
      throw new IllegalStateException("no type check for " + key + " of " + type);
    }
    if (expected != null) {
      throw new JtuneException(source + ": " + key + ": expected " + expected + ", got " + shown(value) + " (default "
          + defaultValue + ")");
    }
    return result;
  }

  private static boolean allNumbers(JsonNode array) {
    for (JsonNode v : array) if (!v.isNumber()) return false;
    return true;
  }

  /** A value as the user wrote it, cut short when long. */
  private static String shown(JsonNode value) {
    String s = value.isNumber() && !Double.isFinite(value.doubleValue()) ? value.asText() : value.toString();
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }

  private static List<String> fieldNames(ObjectNode group) {
    List<String> names = new ArrayList<>();
    group.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static JtuneException unknownField(String source, String key) {
    String hint = nearestKey(key).map(k -> "did you mean " + k + "? ").orElse("");
    return new JtuneException(source + ": unknown config field '" + key + "'; " + hint + "see jtune train --list-options");
  }

  /**
   * The known key {@code key} most likely means: the same field name in another group, a field whose
   * initials it is ({@code lr}), or one at most a third of its letters away (typos); empty when none is close.
   */
  static java.util.Optional<String> nearestKey(String key) {
    int dot = key.lastIndexOf('.');
    String group = dot < 0 ? "" : key.substring(0, dot), leaf = key.substring(dot + 1);
    String best = null;
    int bestScore = Integer.MAX_VALUE;
    for (Map.Entry<String, Class<?>> e : TYPES.entrySet()) {
      if (e.getValue().isRecord()) continue;
      String k = e.getKey();
      int d = k.lastIndexOf('.');
      String kGroup = d < 0 ? "" : k.substring(0, d), kLeaf = k.substring(d + 1);
      int otherGroup = kGroup.equals(group) ? 0 : 1;
      int score;
      if (kLeaf.equals(leaf)) {
        score = otherGroup;
      } else if (initials(kLeaf).equals(leaf)) {
        score = 1 + otherGroup;
      } else {
        int distance = editDistance(leaf, kLeaf);
        score = distance <= Math.max(1, leaf.length() / 3) ? 1 + distance + otherGroup : Integer.MAX_VALUE;
      }
      if (score < bestScore) {
        bestScore = score;
        best = k;
      }
    }
    return java.util.Optional.ofNullable(best);
  }

  private static String initials(String snake) {
    StringBuilder s = new StringBuilder();
    for (String part : snake.split("_")) if (!part.isEmpty()) s.append(part.charAt(0));
    return s.toString();
  }

  /** Levenshtein distance (insertions, deletions, substitutions). */
  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(substitute, Math.min(prev[j], cur[j - 1]) + 1);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static TrainingConfig fromTree(ObjectNode tree, String source) {
    requireKnownChoices(tree, source);
    try {
      return JtuneJson.MAPPER.treeToValue(tree, TrainingConfig.class);
    } catch (JsonProcessingException e) {
      Throwable c = e;
      while (c.getCause() != null) c = c.getCause();
      if (c instanceof JtuneException j) throw new JtuneException(source + ": " + j.getMessage());
      throw new JtuneException(source + ": invalid training config: " + firstLine(e.getOriginalMessage()));
    }
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse(s);
  }

  private static void require(boolean ok, String field, Object value, String rule) {
    if (!ok) throw new JtuneException("training config field " + field + " = " + value + ": " + rule);
  }

  private static boolean oneOf(String value, String... allowed) {
    return value != null && Set.of(allowed).contains(value);
  }
}
