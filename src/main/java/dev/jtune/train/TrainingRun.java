package dev.jtune.train;

import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.RunLayout;
import dev.jtune.JtuneException;
import dev.jtune.baseline.BaselineCache;
import dev.jtune.baseline.BaselineComparison;
import dev.jtune.baseline.BaselineSettings;
import dev.jtune.data.LabeledText;
import dev.jtune.data.PreparedDataset;
import dev.jtune.data.TextTokenizer;
import dev.jtune.data.TokenTruncation;
import dev.jtune.data.UnlabeledTexts;
import dev.jtune.io.AtomicFiles;
import dev.jtune.io.CompressedSize;
import dev.jtune.io.ProtectedPaths;
import dev.jtune.io.TempSiblings;
import dev.jtune.eval.ChartWriter;
import dev.jtune.eval.ClassificationMetrics;
import dev.jtune.eval.EvaluationReport;
import dev.jtune.eval.ModelCard;
import dev.jtune.eval.TensorBoardLog;
import dev.jtune.artifact.JtuneJson;
import dev.jtune.model.BertConfig;
import dev.jtune.model.ClassifierSavedModel;
import dev.jtune.model.EncoderSavedModel;
import dev.jtune.model.PretrainedEncoder;
import dev.jtune.model.TrainedClassifier;
import dev.jtune.predict.TextClassifier;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.tensorflow.TensorFlow;

/**
 * One fine-tuning run from folders to folder: reads the encoder SavedModel and the prepared dataset,
 * checks that they fit, tokenizes, trains with {@link Trainer}, exports the classifier and evaluates
 * it on the test split, and fills the run folder:
 *
 * <pre>
 * runs/&lt;run&gt;/config.json       effective training config
 *             metrics.json      best validation and test metrics, timings
 *             history.csv       one row per validation
 *             report.md         summary, per-class tables, confusion matrix
 *             provenance.json   dataset hash, encoder, versions
 *             loss.png metrics.png learning_rate.png confusion_matrix.png
 *             checkpoints/      last.ckpt (resume) and best.ckpt
 *             model/            inference SavedModel + assets (the trained classifier)
 *             .jtune-manifest.json  what the run wrote (see {@link RunFolder})
 * </pre>
 */
public final class TrainingRun {
  public static final String MODEL_DIR = RunFolder.MODEL_DIR;

  /**
   * Where the results are, and the headline numbers.
   *
   * @param baselineVerdict the line comparing the model with the baseline ({@link BaselineComparison#verdict()}),
   *     why there is none, or null when {@code report.baseline} is off
   */
  public record Summary(Path runDir, ClassificationMetrics validation, ClassificationMetrics test, double trainSeconds,
      String baselineVerdict) {}

  private TrainingRun() {}

  /** Trains per {@code config} into {@code runDir}; with {@code resume}, continues an interrupted run there. */
  public static Summary run(TrainingConfig config, Path runDir, boolean resume, boolean progress) {
    return run(config, runDir, resume, false, progress, ProtectedPaths.of());
  }

  /**
   * Trains per {@code config} into {@code runDir}: with {@code resume}, continues the run there;
   * with {@code force}, replaces a finished run there (see {@link RunFolder}). Every check (run
   * folder, encoder, dataset, labels, init_from, config against the labels) happens before the run
   * folder is created or changed. {@code protectedPaths} holds the inputs besides those the config
   * names (e.g. the --config file).
   */
  public static Summary run(TrainingConfig config, Path runDir, boolean resume, boolean force, boolean progress,
      ProtectedPaths protectedPaths) {
    long t0 = System.nanoTime();
    Path modelDir = Path.of(config.model()), dataDir = Path.of(config.data());
    TrainingConfig.Distillation distill = config.distillation();
    ProtectedPaths inputs = protectedPaths.with(modelDir, dataDir, config.initFrom().isEmpty() ? null : Path.of(config.initFrom()))
        .with(distill.on() ? Path.of(distill.teacher()) : null, distill.unlabeled().isEmpty() ? null : Path.of(distill.unlabeled()),
            config.pruning().on() ? Path.of(config.pruning().from()) : null);
    RunFolder folder = RunFolder.claim(runDir, resume, force, inputs);
    Path configFile = runDir.resolve(RunFolder.CONFIG_FILE);
    if (folder.resuming() && Files.exists(configFile)) {
      TrainingConfig saved = TrainingConfig.read(configFile);
      if (!saved.equals(config)) {
        throw new JtuneException(configFile + ": differs from the requested config; resume with the same options (or "
            + "--config " + configFile + ")");
      }
    }
    PreparedDataset data = PreparedDataset.load(dataDir);
    checkSplits(data, dataDir);
    SourceRun teacher = distill.on() ? SourceRun.of(Path.of(distill.teacher()), "distillation.teacher") : null;
    TrainingConfig.Pruning pruning = config.pruning();
    SourceRun unpruned = pruning.on() ? SourceRun.of(Path.of(pruning.from()), "pruning.from") : null;
    StudentEncoder encoder = unpruned != null ? unpruned.pruned(pruning, data.split("train"), config.loop().seed())
        : teacher != null && distill.studentLayers() > 0 ? teacher.cut(distill)
        : StudentEncoder.of(EncoderSavedModel.load(modelDir));
    PretrainedEncoder pretrained = encoder.pretrained();
    BertConfig bert = pretrained.config();
    if (config.tokens().maxSeqLen() > bert.maxPositionEmbeddings()) {
      throw new JtuneException("tokens.max_seq_len " + config.tokens().maxSeqLen() + " is above the "
          + bert.maxPositionEmbeddings() + " positions of " + modelDir + "; use --max-seq-len "
          + bert.maxPositionEmbeddings() + " or less");
    }
    int top = config.freeze().unfreezeTop();
    if (top > bert.numHiddenLayers()) {
      throw new JtuneException("freeze.unfreeze_top " + top + " is more than the " + bert.numHiddenLayers()
          + " layers of " + modelDir + "; use --unfreeze all to train every layer");
    }
    config.requireFitsLabels(data.labels());
    if (teacher != null) teacher.requireLabels(data.labels(), dataDir);
    if (unpruned != null) {
      unpruned.requireLabels(data.labels(), dataDir);
      requireHeadFits(encoder.startingHead(), config, bert, "pruning.from " + unpruned.dir());
    }
    UnlabeledTexts unlabeled = distill.unlabeled().isEmpty() ? new UnlabeledTexts(List.of(), 0)
        : UnlabeledTexts.read(Path.of(distill.unlabeled()), distill.unlabeledTextCol());
    TrainedClassifier source = config.initFrom().isEmpty() ? null : initSource(config, bert, data.labels());
    String dataHash = PreparedDataset.sha256(dataDir); // of the files as loaded, before the long part starts

    folder.open(config); // the first write into the run folder: every check above has passed
    // feature files a killed run was still writing (the cache folder Trainer uses)
    TempSiblings.removeStale(config.cache().dir().isEmpty() ? runDir.toAbsolutePath().getParent().resolve(".feature-cache")
        : Path.of(config.cache().dir()));
    Baseline baseline = config.report().baseline() ? Baseline.of(data, dataHash, CachedFeatures.dir(config, runDir)) : null;
    EncodedSplit train, val;
    TrainingConfig.Tokens tokens = config.tokens();
    TokenTruncation truncation = TokenTruncation.of(tokens.truncation(), tokens.maxSeqLen(), tokens.headTokens());
    List<LabeledText> trainRows = data.split("train");
    // a distilling run may hide labels (soft labels only) and add unlabeled texts, both as class -1
    int[] trainLabels = heldBackLabels(trainRows, data.labels().size(), distill.labeledFraction(), config.loop().seed());
    List<String> trainTexts = new ArrayList<>(trainRows.size() + unlabeled.texts().size());
    trainRows.forEach(r -> trainTexts.add(r.text()));
    trainTexts.addAll(unlabeled.texts());
    try (TextTokenizer tok = TextTokenizer.load(encoder.tokenizerJson(), truncation)) {
      List<int[]> ids = new ArrayList<>(trainTexts.size());
      for (String t : trainTexts) ids.add(tok.encode(t));
      int[] labels = java.util.Arrays.copyOf(trainLabels, trainTexts.size());
      java.util.Arrays.fill(labels, trainRows.size(), labels.length, -1);
      train = new EncodedSplit(ids, labels);
      val = encode(tok, data.split("val"));
    }
    Trainer trainer = new Trainer(config, bert, source == null ? pretrained.weights() : source.encoderWeights(), data.labels(),
        runDir, progress);
    TrainedClassifier head = source != null ? source : encoder.startingHead();
    if (head != null) trainer.startHeadFrom(head.headKernel(), head.headBias(), head.headWide());
    TeacherLogits teacherLogits = null;
    if (teacher != null) {
      teacherLogits = TeacherLogits.load(teacher.modelDir(), trainTexts, CachedFeatures.dir(config, runDir),
          (long) config.cache().memoryMb() << 20, config.validation().batchSize(), progress);
      trainer.distillFrom(teacherLogits.logits());
    }
    Trainer.Result result;
    double trainSeconds;
    Scored test;
    BaselineComparison comparison;
    // new event file per process; a resumed run's earlier files stay (TensorBoard reads the folder as one run)
    try (TensorBoardLog board = config.report().tensorboard() ? TensorBoardLog.create(runDir.resolve(RunLayout.TENSORBOARD_DIR)) : null) {
      if (board != null) trainer.addListener(new TensorBoardListener(board));
      result = trainer.train(train, val, resume);
      trainSeconds = (System.nanoTime() - t0) / 1e9;

      Path out = runDir.resolve(MODEL_DIR);
      folder.refuseUserFilesInModel(); // again: hours may have passed since the start
      ClassifierSpec info = new ClassifierSpec(config.head().pooling(), config.head().layersOf(bert.numHiddenLayers()), data.labels(),
          config.tokens().maxSeqLen()).withWideBuckets(config.head().wideBuckets())
          .withTruncation(truncation.strategy(), truncation.headTokens());
      ClassifierSavedModel.write(out, bert, result.encoderWeights(), result.kernel(), result.bias(), result.wide(), info,
          encoder.tokenizerJson());

      List<LabeledText> testRows = data.split("test");
      test = Scored.of(out, testRows, config.validation().batchSize());
      DistillationReport distilled = teacher == null ? null : new DistillationReport(distill, teacher, encoder.source(), teacherLogits, trainRows.size(),
          (int) java.util.Arrays.stream(trainLabels).filter(y -> y < 0).count(), unlabeled, test,
          Scored.of(teacher.modelDir(), testRows, config.validation().batchSize()));
      PruningReport prunedReport = unpruned == null ? null
          : new PruningReport(unpruned, encoder.provenance(), test, Scored.of(unpruned.modelDir(), testRows, config.validation().batchSize()));
      comparison = baseline == null || baseline.lookup() == null ? null
          : new BaselineComparison(baseline.lookup().result(), baseline.lookup().cached(), result.bestValidation(), test.metrics());
      writeOutputs(config, runDir, data, dataHash, encoder, result, test, trainSeconds, (System.nanoTime() - t0) / 1e9, baseline,
          comparison, distilled, prunedReport, board);
    }
    folder.finish();
    return new Summary(runDir, result.bestValidation(), test.metrics(), trainSeconds,
        comparison != null ? comparison.verdict() : baseline != null ? "baseline: " + baseline.skipped() : null);
  }

  /**
   * The TF-IDF + logistic-regression baseline of the run's dataset (from the cache when the data and
   * settings are unchanged), or why there is none: data the baseline cannot fit (e.g. no word in two
   * training texts) does not stop the run, the report says so instead.
   */
  record Baseline(BaselineCache.Lookup lookup, String skipped) {
    static Baseline of(PreparedDataset data, String dataHash, Path cacheDir) {
      try {
        return new Baseline(BaselineCache.resultFor(data, dataHash, BaselineSettings.defaults(), cacheDir), null);
      } catch (JtuneException e) {
        return new Baseline(null, "not computed: " + e.getMessage());
      }
    }
  }

  /** The finished run named by {@code init_from}, checked to fit this run's encoder, labels and head. */
  static TrainedClassifier initSource(TrainingConfig config, BertConfig bert, List<String> labels) {
    Path dir = Path.of(config.initFrom());
    if (!Files.isRegularFile(dir.resolve(MODEL_DIR).resolve("assets").resolve(ClassifierSpec.FILE_NAME))) {
      throw new JtuneException("init_from " + dir + ": not a finished run (no " + MODEL_DIR + "/assets/" + ClassifierSpec.FILE_NAME
          + "); pass a run folder written by jtune train");
    }
    TrainedClassifier source = ClassifierSavedModel.read(RunLayout.finished(dir).modelDir());
    if (!source.config().equals(bert)) {
      throw new JtuneException("init_from " + dir + ": its encoder differs from " + config.model()
          + " (bert_config.json); pass the --model that run was trained from");
    }
    if (!source.labels().equals(labels)) {
      throw new JtuneException("init_from " + dir + ": its labels " + source.labels() + " differ from " + config.data()
          + " " + labels + "; start from a run trained on the same labels");
    }
    requireHeadFits(source, config, bert, "init_from " + dir);
    return source;
  }

  /** The head of {@code source} (named {@code what} in errors) can start this run's head: same pooling, layers and wide part. */
  static void requireHeadFits(TrainedClassifier source, TrainingConfig config, BertConfig bert, String what) {
    ClassifierSpec head = source.classifier();
    if (head.pooling() != config.head().pooling()) {
      throw new JtuneException(what + ": its head pools with " + head.pooling() + ", this run with "
          + config.head().pooling() + "; pass --pooling " + head.pooling());
    }
    int layers = config.head().layersOf(bert.numHiddenLayers());
    if (head.layers() != layers) {
      throw new JtuneException(what + ": its head reads the top " + head.layers() + " layer(s), this run "
          + layers + "; pass --set head.layers=" + head.layers());
    }
    // a run without a wide part may gain one (its table starts at zero, so the start is the source's classifier);
    // a trained wide table is never dropped or re-hashed
    if (head.wideBuckets() != config.head().wideBuckets() && head.wideBuckets() != 0) {
      throw new JtuneException(what + ": its head has wide_buckets " + head.wideBuckets() + ", this run "
          + config.head().wideBuckets() + "; pass --wide-buckets " + head.wideBuckets());
    }
  }

  /** Labels must be usable: every label present in train, and the train split not empty. */
  static void checkSplits(PreparedDataset data, Path dir) {
    List<LabeledText> train = data.split("train");
    if (train.isEmpty()) throw new JtuneException(dir.resolve("train.csv") + ": the train split is empty; re-run jtune prepare with more data");
    List<String> labels = data.labels();
    int[] trainCount = new int[labels.size()];
    for (LabeledText t : train) trainCount[t.label()]++;
    for (String split : List.of("val", "test")) {
      for (LabeledText t : data.split(split)) {
        if (trainCount[t.label()] == 0) {
          throw new JtuneException(dir.resolve(split + ".csv") + ": label '" + labels.get(t.label())
              + "' occurs here but never in train.csv; the splits must share one label set (re-run jtune prepare)");
        }
      }
    }
    for (int i = 0; i < labels.size(); i++) {
      if (trainCount[i] == 0) {
        throw new JtuneException(dir.resolve("labels.txt") + ": label '" + labels.get(i)
            + "' has no example in train.csv; remove it or re-run jtune prepare");
      }
    }
    if (data.split("val").isEmpty()) {
      throw new JtuneException(dir.resolve("val.csv") + ": the validation split is empty; re-run jtune prepare with a validation share");
    }
  }

  static EncodedSplit encode(TextTokenizer tok, List<LabeledText> rows) {
    List<int[]> ids = new ArrayList<>(rows.size());
    int[] labels = new int[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      ids.add(tok.encode(rows.get(i).text()));
      labels[i] = rows.get(i).label();
    }
    return new EncodedSplit(ids, labels);
  }

  /** A classifier's scores on a split's texts and how long scoring them took (tokenizing included). */
  record Scored(ClassificationMetrics metrics, double seconds, int examples) {
    static Scored of(Path model, List<LabeledText> rows, int batchSize) {
      try (TextClassifier classifier = TextClassifier.load(model)) {
        long t0 = System.nanoTime();
        float[][] p = classifier.probabilities(rows.stream().map(LabeledText::text).toList(), batchSize);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Scored(ClassificationMetrics.fromProbabilities(p, rows.stream().mapToInt(LabeledText::label).toArray(),
            classifier.labels()), seconds, rows.size());
      }
    }

    double seqPerSecond() {
      return examples / seconds;
    }
  }

  /**
   * The train labels a run learns from: all of them, or with {@code labeledFraction} < 1 that share of
   * each class (at least one example; which ones is fixed by the seed), the others set to -1.
   */
  static int[] heldBackLabels(List<LabeledText> rows, int numLabels, double labeledFraction, long seed) {
    int[] labels = rows.stream().mapToInt(LabeledText::label).toArray();
    if (labeledFraction >= 1) return labels;
    java.util.Random random = new java.util.Random(seed);
    for (int c = 0; c < numLabels; c++) {
      List<Integer> ofClass = new ArrayList<>();
      for (int i = 0; i < labels.length; i++) if (labels[i] == c) ofClass.add(i);
      java.util.Collections.shuffle(ofClass, random);
      int keep = Math.max(1, (int) Math.ceil(labeledFraction * ofClass.size()));
      for (int i = keep; i < ofClass.size(); i++) labels[ofClass.get(i)] = -1;
    }
    return labels;
  }

  private static void writeOutputs(TrainingConfig config, Path runDir, PreparedDataset data, String dataHash, StudentEncoder encoder,
      Trainer.Result r, Scored scored, double trainSeconds, double totalSeconds, Baseline baseline,
      BaselineComparison comparison, DistillationReport distilled, PruningReport pruned, TensorBoardLog board) {
    TrainerState st = r.state();
    ClassificationMetrics test = scored.metrics();
    Map<String, Object> timing = new LinkedHashMap<>();
    timing.put(r.usedLayerCache() ? "layer_cache_seconds" : "feature_cache_seconds", r.cacheSeconds());
    timing.put("epoch_seconds", r.epochSeconds());
    timing.put("train_seconds", trainSeconds);
    timing.put("total_seconds", totalSeconds);
    // texts -> probabilities on the test split, tokenizing included: the speed the quality/speed chart uses
    timing.put("test_seconds", scored.seconds());
    timing.put("test_seq_per_s", scored.seqPerSecond());
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("best_step", st.bestStep());
    metrics.put("steps", st.step());
    metrics.put("stopped_early", st.stoppedEarly());
    metrics.put("selection_metric", config.validation().metric());
    metrics.put("feature_cache", r.usedFeatureCache());
    metrics.put("layer_cache", r.usedLayerCache());
    metrics.put("trained_parameters", r.trainedParameters());
    metrics.put("validation", r.bestValidation());
    metrics.put("test", test);
    if (comparison != null) metrics.put("baseline", comparison.summary());
    else if (baseline != null) metrics.put("baseline", Map.of("skipped", baseline.skipped()));
    if (distilled != null) metrics.put("distillation", distilled.summary());
    if (pruned != null) metrics.put("pruning", pruned.summary());
    if (config.pruning().magnitude()) metrics.put("magnitude_pruning", magnitudeSummary(config, encoder.pretrained().config(), r, runDir));
    metrics.put("timing", timing);
    JtuneJson.write(runDir.resolve("metrics.json"), metrics);

    writeHistory(runDir.resolve("history.csv"), st.history());

    Map<String, Object> provenance = new LinkedHashMap<>();
    provenance.put("created", Instant.now().toString());
    provenance.put("dataset", Map.of("dir", data.dir().toString(), "sha256", dataHash, "labels", data.labels(),
        "examples", Map.of("train", data.split("train").size(), "val", data.split("val").size(), "test", data.split("test").size())));
    provenance.put("encoder", encoder.provenance());
    if (!config.initFrom().isEmpty()) provenance.put("init_from", config.initFrom());
    if (distilled != null) provenance.put("teacher", distilled.teacher().provenance());
    provenance.put("versions", Map.of(
        "jtune", String.valueOf(TrainingRun.class.getPackage().getImplementationVersion()),
        "tensorflow", TensorFlow.version(),
        "java", System.getProperty("java.version")));
    JtuneJson.write(runDir.resolve("provenance.json"), provenance);

    double[] steps = st.history().stream().mapToDouble(TrainerState.HistoryRow::step).toArray();
    double[] curveSteps = st.curve().stream().mapToDouble(TrainerState.CurvePoint::step).toArray();
    ChartWriter.lineChart(runDir.resolve("loss.png"), "Loss", "optimizer step", "cross-entropy", List.of(
        new ChartWriter.Curve("train (per step)", curveSteps, st.curve().stream().mapToDouble(TrainerState.CurvePoint::loss).toArray()),
        new ChartWriter.Curve("validation", steps, st.history().stream().mapToDouble(TrainerState.HistoryRow::valLoss).toArray())));
    ChartWriter.lineChart(runDir.resolve("metrics.png"), "Validation metrics", "optimizer step", "value", List.of(
        new ChartWriter.Curve("accuracy", steps, st.history().stream().mapToDouble(TrainerState.HistoryRow::valAccuracy).toArray()),
        new ChartWriter.Curve("macro-F1", steps, st.history().stream().mapToDouble(TrainerState.HistoryRow::valMacroF1).toArray())));
    ChartWriter.lineChart(runDir.resolve("learning_rate.png"), "Learning rate (head)", "optimizer step", "learning rate", List.of(
        new ChartWriter.Curve(config.schedule().kind().jsonName(), curveSteps,
            st.curve().stream().mapToDouble(TrainerState.CurvePoint::learningRate).toArray())));
    ChartWriter.confusionHeatmap(runDir.resolve("confusion_matrix.png"), "Test confusion matrix", test.labels(), test.confusion());
    ChartWriter.perClassBars(runDir.resolve(PER_CLASS_CHART), "Test precision, recall and F1 per class", test);
    List<ChartWriter.SpeedPoint> speeds = speedPoints(scored, comparison, distilled, pruned);
    if (speeds.size() > 1) {
      ChartWriter.qualitySpeedChart(runDir.resolve(QUALITY_SPEED_CHART), "Test macro-F1 against scoring speed", speeds);
    }
    if (board != null) {
      board.scalar("test/accuracy", st.step(), test.accuracy());
      board.scalar("test/macro_f1", st.step(), test.macroF1());
      board.pngImage("test/confusion_matrix", st.step(), ChartWriter.confusionHeatmapPng("Test confusion matrix", test.labels(),
          test.confusion()));
      board.flush();
    }

    StringBuilder md = new StringBuilder("# Training run `").append(runDir.getFileName()).append("`\n\n");
    md.append("- encoder: `").append(encoder.source()).append("`, data: `").append(config.data()).append("`\n");
    md.append(String.format(Locale.ROOT, "- trained parameters: %,d (%s)%n", r.trainedParameters(),
        config.freeze().encoderFrozen() ? "head only, encoder frozen" : config.freeze().unfreezeAll() ? "all encoder layers + head"
            : "top " + config.freeze().unfreezeTop() + " encoder layers + head"));
    md.append(String.format(Locale.ROOT, "- steps: %d, best at step %d (%s)%s%n", st.step(), st.bestStep(),
        config.validation().metric(), st.stoppedEarly() ? ", stopped early" : ""));
    md.append(String.format(Locale.ROOT, "- time: %.1f s training (%s %.1f s), %.1f s in all%n%n",
        trainSeconds, r.usedLayerCache() ? "frozen layers' cache" : "feature cache", r.cacheSeconds(), totalSeconds));
    if (pruned != null) md.append(pruned.markdown()).append('\n');
    if (distilled != null) md.append(distilled.markdown()).append('\n');
    if (comparison != null) md.append(comparison.markdown()).append('\n');
    else if (baseline != null) md.append("## Baseline comparison\n\nbaseline ").append(baseline.skipped()).append("\n\n");
    md.append(new EvaluationReport(runDir.resolve(MODEL_DIR).toString(), config.data(), "test", test, Map.of()).toMarkdown());
    md.append('\n').append(new EvaluationReport(runDir.resolve(MODEL_DIR).toString(), config.data(), "val (best checkpoint)",
        r.bestValidation(), Map.of()).toMarkdown());
    md.append("\n![loss](loss.png)\n![metrics](metrics.png)\n![learning rate](learning_rate.png)\n![confusion](confusion_matrix.png)\n");
    md.append("![per-class precision and recall](" + PER_CLASS_CHART + ")\n");
    if (speeds.size() > 1) md.append('\n').append(qualitySpeedMarkdown(speeds));
    AtomicFiles.writeString(runDir.resolve("report.md"), md.toString());
    // the card reads the records written above, so its numbers are the run's own
    AtomicFiles.writeString(runDir.resolve(MODEL_DIR).resolve(RunLayout.MODEL_CARD_FILE), ModelCard.ofRun(runDir).markdown());
  }

  static final String PER_CLASS_CHART = "per_class.png";
  static final String QUALITY_SPEED_CHART = "quality_speed.png";

  /**
   * The models this run compares, as quality/speed points on the same test texts: this run, the
   * baseline (when its speed is known), a distilling run's teacher, a pruned run's unpruned model.
   */
  static List<ChartWriter.SpeedPoint> speedPoints(Scored run, BaselineComparison comparison, DistillationReport distilled,
      PruningReport pruned) {
    List<ChartWriter.SpeedPoint> points = new ArrayList<>();
    String self = distilled != null ? "student (this run)" : pruned != null ? "pruned (this run)" : "fine-tuned (this run)";
    points.add(new ChartWriter.SpeedPoint(self, run.seqPerSecond(), run.metrics().macroF1()));
    if (comparison != null && comparison.baseline().testSeqPerSecond() != null) {
      points.add(new ChartWriter.SpeedPoint("TF-IDF + logistic regression", comparison.baseline().testSeqPerSecond(),
          comparison.baseline().test().macroF1()));
    }
    if (distilled != null) {
      points.add(new ChartWriter.SpeedPoint("teacher", distilled.teacherTest().seqPerSecond(), distilled.teacherTest().metrics().macroF1()));
    }
    if (pruned != null) {
      points.add(new ChartWriter.SpeedPoint("unpruned", pruned.original().seqPerSecond(), pruned.original().metrics().macroF1()));
    }
    return points;
  }

  /** The report section under the quality/speed chart: the chart and its points as a table. */
  static String qualitySpeedMarkdown(List<ChartWriter.SpeedPoint> points) {
    StringBuilder md = new StringBuilder("## Quality against speed\n\n");
    md.append("Test texts scored per second in this process (tokenizing or vectorizing included) and test macro-F1.\n\n");
    md.append("| model | texts/s | test macro-F1 |\n|---|---:|---:|\n");
    for (ChartWriter.SpeedPoint p : points) {
      md.append(String.format(Locale.ROOT, "| %s | %.1f | %.4f |%n", p.name(), p.seqPerSecond(), p.macroF1()));
    }
    md.append("\n![quality against speed](" + QUALITY_SPEED_CHART + ")\n");
    return md.toString();
  }

  /**
   * What magnitude pruning left: the target and achieved sparsity of the pruned kernels, and the size
   * of the model's weights raw and gzip-compressed (what the zeros shrink; dense runtimes run no faster).
   */
  static Map<String, Object> magnitudeSummary(TrainingConfig config, BertConfig bert, Trainer.Result r, Path runDir) {
    List<float[]> kernels = new ArrayList<>();
    for (dev.jtune.model.EncoderParameter p : bert.parameters()) {
      if (p.block() == dev.jtune.model.EncoderParameter.Block.LAYER && p.name().endsWith("/kernel")
          && TrainingGraph.trains(p, config.freeze(), bert.numHiddenLayers())) {
        kernels.add(r.encoderWeights().get(p.name()).values());
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("target_sparsity", config.pruning().sparsity());
    m.put("achieved_sparsity", MagnitudePruning.sparsityOf(kernels));
    m.put("pruned_kernel_weights", kernels.stream().mapToLong(k -> k.length).sum());
    long[] sizes = CompressedSize.ofFolder(runDir.resolve(MODEL_DIR).resolve("variables"));
    m.put("model_variables_bytes", sizes[0]);
    m.put("model_variables_gzip_bytes", sizes[1]);
    return m;
  }

  private static void writeHistory(Path file, List<TrainerState.HistoryRow> rows) {
    StringWriter w = new StringWriter();
    CSVFormat fmt = CSVFormat.DEFAULT.builder().setHeader("step", "epoch", "train_loss", "learning_rate", "val_loss",
        "val_accuracy", "val_macro_f1", "train_seq_per_s").get();
    try (CSVPrinter p = new CSVPrinter(w, fmt)) {
      for (TrainerState.HistoryRow h : rows) {
        p.printRecord(h.step(), h.epoch(), h.trainLoss(), h.learningRate(), h.valLoss(), h.valAccuracy(), h.valMacroF1(),
            String.format(Locale.ROOT, "%.1f", h.seqPerSecond()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    AtomicFiles.writeString(file, w.toString());
  }

}
