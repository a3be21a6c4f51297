package dev.jtune.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jtune.JtuneException;
import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.ClassifierTensors;
import dev.jtune.artifact.JtuneJson;
import dev.jtune.artifact.RunLayout;
import dev.jtune.eval.ClassificationMetrics;
import dev.jtune.eval.ModelCard;
import dev.jtune.io.AtomicFiles;
import dev.jtune.export.ir.GraphLowering;
import dev.jtune.export.ir.InferenceIr;
import dev.jtune.export.onnx.OnnxWriter;
import dev.jtune.export.tflite.TflitePrecision;
import dev.jtune.export.tflite.TfliteWriter;
import dev.jtune.io.ProtectedPaths;
import dev.jtune.predict.OnnxPredictor;
import dev.jtune.predict.SavedModelPredictor;
import dev.jtune.predict.TextClassifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tensorflow.SavedModelBundle;

/**
 * Turns a finished run into deployment artifacts: builds the clean inference graph, lowers it
 * for ONNX (dynamic axes) and TFLite (fixed [1, seq] inputs), writes every requested artifact into
 * a staging folder, checks each one in its own runtime against the training graph on the parity
 * set, writes {@code export-report.json} and only then publishes the folder as the next version
 * ({@link ExportLayout}: the model folder is checked before any work starts). Any failure leaves
 * no version behind.
 */
public final class ModelExporter {
  /** Where the export went and what the parity check found. */
  public record Result(Path versionDir, ExportReport report) {}

  static final String ONNX_FILE = "model.onnx";
  static final String REPORT_FILE = "export-report.json";
  static final String PROVENANCE_FILE = "provenance.json";

  private final ExportConfig config;
  private final PrintWriter log;

  private ModelExporter(ExportConfig config, PrintWriter log) {
    this.config = config;
    this.log = log;
  }

  public static Result export(ExportConfig config, PrintWriter log) throws IOException {
    return new ModelExporter(config, log).run();
  }

  static String tfliteFile(TflitePrecision p) {
    return "model-" + p.label() + ".tflite";
  }

  private Result run() throws IOException {
    TrainedRun run = TrainedRun.load(config.runDir());
    ExportLayout layout = new ExportLayout(config.output().baseDir(), config.output().modelName() != null ? config.output().modelName() : run.name());
    layout.claim(ProtectedPaths.of(config.runDir(), config.parity().data()), config.output().force());
    int seqLen = config.artifacts().tfliteSeqLen() > 0 ? config.artifacts().tfliteSeqLen() : run.classifier().maxSeqLen();
    if (seqLen < run.classifier().maxSeqLen() || seqLen > run.config().maxPositionEmbeddings()) {
      throw new JtuneException("--tflite-seq-len " + seqLen + " must be between the run's max_seq_len " + run.classifier().maxSeqLen()
          + " and max_position_embeddings " + run.config().maxPositionEmbeddings());
    }
    EvaluationSet paritySet = config.parity().enabled() ? paritySet(run) : null;

    // everything that can fail on the model itself happens before a byte is written
    Map<String, byte[]> files = new LinkedHashMap<>();
    Map<String, Object> graphInfo = new LinkedHashMap<>();
    try (InferenceModel model = InferenceModel.of(run)) {
      log.printf("inference graph: %d nodes%n", model.graph().toGraphDef().getNodeCount());
      if (config.artifacts().formats().contains(ExportFormat.ONNX)) {
        InferenceIr ir = GraphLowering.lower(model.graph(), model.session(), model.inputOps(), model.outputTensors(), null);
        graphInfo.put("onnx_ir_ops", ir.histogram());
        files.put(ONNX_FILE, OnnxWriter.write(ir, run.name(), version()));
      }
      if (config.artifacts().formats().contains(ExportFormat.TFLITE)) {
        InferenceIr ir = GraphLowering.lower(model.graph(), model.session(), model.inputOps(), model.outputTensors(),
            new GraphLowering.FixedShape(1, seqLen));
        graphInfo.put("tflite_ir_ops", ir.histogram());
        for (TflitePrecision p : TflitePrecision.values()) {
          if (config.artifacts().tfliteVariants().contains(p)) {
            files.put(tfliteFile(p), TfliteWriter.write(ir, p, "jtune " + run.name() + " " + p.label() + " [1," + seqLen + "]"));
          }
        }
      }

      long version = layout.nextVersion();
      Path staged = layout.stage(version);
      try {
        if (config.artifacts().formats().contains(ExportFormat.SAVEDMODEL)) writeSavedModel(run, model, staged);
        for (var f : files.entrySet()) Files.write(staged.resolve(f.getKey()), f.getValue());
        writeAssets(run, staged, version, seqLen, graphInfo);
        ExportReport report = parityReport(run, layout, version, staged, paritySet, seqLen);
        JtuneJson.write(staged.resolve(REPORT_FILE), report);
        writeModelCard(run, staged, version, report);
        Path published = layout.publish(staged, version);
        return new Result(published, report);
      } catch (IOException | RuntimeException e) {
        ExportLayout.discard(staged);
        throw e;
      }
    }
  }

  private void writeSavedModel(TrainedRun run, InferenceModel model, Path dir) throws IOException {
    if (config.artifacts().savedModelPrecision() == ExportConfig.SavedModelPrecision.BF16) {
      try (InferenceModel bf16 = model.toBfloat16()) {
        SavedModelBundle.exporter(dir.toString()).withSession(bf16.session()).withSignature(bf16.servingSignature()).export();
      }
    } else {
      SavedModelBundle.exporter(dir.toString()).withSession(model.session()).withSignature(model.servingSignature()).export();
    }
  }

  private void writeAssets(TrainedRun run, Path staged, long version, int seqLen, Map<String, Object> graphInfo) throws IOException {
    Path extra = Files.createDirectories(staged.resolve(TextClassifier.EXPORT_ASSETS));
    for (String f : List.of(run.classifier().tokenizer(), RunLayout.LABELS_FILE, ClassifierSpec.FILE_NAME)) Files.copy(run.asset(f), extra.resolve(f));
    ObjectNode p = JtuneJson.MAPPER.createObjectNode();
    p.put("model_name", staged.getParent().getFileName().toString());
    p.put("version", version);
    p.put("created_at", Instant.now().toString());
    p.put("jtune_version", version());
    p.put("run", run.runDir().toAbsolutePath().normalize().toString());
    readJson(run.folder().config()).ifPresent(j -> p.set("run_config", j));
    readJson(run.folder().metrics()).ifPresent(j -> p.set("run_metrics", j));
    p.set("encoder", JtuneJson.MAPPER.readTree(run.config().toJson()));
    p.set("classifier", JtuneJson.MAPPER.valueToTree(run.classifier()));
    p.put("pruning_masks_folded", run.model().foldedMasks());
    p.putPOJO("formats", config.artifacts().formats().stream().map(ExportFormat::label).sorted().toList());
    p.put("savedmodel_precision", config.artifacts().savedModelPrecision().name().toLowerCase(java.util.Locale.ROOT));
    p.put("tflite_input_shape", "[1," + seqLen + "]");
    p.set("graph", JtuneJson.MAPPER.valueToTree(graphInfo));
    ObjectNode sums = p.putObject("sha256");
    try (var s = Files.list(staged)) {
      for (Path f : s.filter(Files::isRegularFile).sorted().toList()) sums.put(f.getFileName().toString(), sha256(f));
    }
    if (Files.isDirectory(staged.resolve("variables"))) {
      try (var s = Files.list(staged.resolve("variables"))) {
        for (Path f : s.sorted().toList()) sums.put("variables/" + f.getFileName(), sha256(f));
      }
    }
    JtuneJson.write(extra.resolve(PROVENANCE_FILE), p);
  }

  /** The run's model card with this version's formats and parity figures, as {@code assets.extra/README.md}. */
  private static void writeModelCard(TrainedRun run, Path staged, long version, ExportReport report) {
    ModelCard card = ModelCard.ofRun(run.runDir()).withExport(new ModelCard.Export(staged.getParent().getFileName().toString(), version,
        JtuneJson.MAPPER.valueToTree(report)));
    AtomicFiles.writeString(staged.resolve(TextClassifier.EXPORT_ASSETS).resolve(RunLayout.MODEL_CARD_FILE), card.markdown());
  }

  private ExportReport parityReport(TrainedRun run, ExportLayout layout, long version, Path staged, EvaluationSet set, int seqLen) throws IOException {
    List<ExportReport.Artifact> rows = new ArrayList<>();
    if (set == null) {
      for (String f : artifactFiles(staged)) rows.add(new ExportReport.Artifact(f, null, f, size(staged, f), null, null, null, null, null, null, null, null, null, null, null));
      return new ExportReport(layout.modelBase().getFileName().toString(), version, run.name(), "none (parity check skipped)", 0, rows);
    }
    int batch = config.parity().batchSize();
    log.printf("parity check on %d examples of %s%s%n", set.size(), set.source(),
        config.parity().limit() > 0 && set.size() == config.parity().limit() ? " (the first " + set.size() + "; --parity-examples all for the whole split)" : "");
    List<String> labels = run.labels();
    ArtifactScores reference;
    long t0 = System.nanoTime();
    try (SavedModelPredictor p = SavedModelPredictor.load(run.modelDir())) {
      reference = TimedScoring.score(p, set.tokenIds(), batch);
    }
    rows.add(timed(row("training graph", "tensorflow", run.modelDir().toString(), null, reference, reference, set, labels, null), t0));
    if (config.artifacts().formats().contains(ExportFormat.SAVEDMODEL)) {
      t0 = System.nanoTime();
      try (SavedModelPredictor p = SavedModelPredictor.load(staged)) {
        ArtifactScores s = TimedScoring.score(p, set.tokenIds(), batch);
        boolean bf16 = config.artifacts().savedModelPrecision() == ExportConfig.SavedModelPrecision.BF16;
        rows.add(timed(row(bf16 ? "savedmodel (bf16)" : "savedmodel", "tensorflow", "saved_model.pb + variables/", savedModelBytes(staged), s, reference,
            set, labels, bf16 ? Check.AGREEMENT_99 : Check.DIFF_1E5), t0));
      }
    }
    if (config.artifacts().formats().contains(ExportFormat.ONNX)) {
      t0 = System.nanoTime();
      try (OnnxPredictor p = OnnxPredictor.load(staged.resolve(ONNX_FILE), 0)) {
        rows.add(timed(row("onnx", "onnxruntime", ONNX_FILE, size(staged, ONNX_FILE), TimedScoring.score(p, set.tokenIds(), batch), reference, set,
            labels, Check.DIFF_1E4), t0));
      }
    }
    if (config.artifacts().formats().contains(ExportFormat.TFLITE)) {
      Optional<LiteRtRuntime> litert = LiteRtRuntime.find(LiteRtRuntime.defaultDir());
      Map<TflitePrecision, Check> checks = new EnumMap<>(Map.of(TflitePrecision.FLOAT32, Check.DIFF_1E4,
          TflitePrecision.FLOAT16, Check.DIFF_1E2, TflitePrecision.INT8, Check.AGREEMENT_99));
      for (TflitePrecision p : TflitePrecision.values()) {
        if (!config.artifacts().tfliteVariants().contains(p)) continue;
        String f = tfliteFile(p);
        if (litert.isEmpty()) {
          log.printf("note: %s not checked: LiteRT.js is not installed in %s (make litert)%n", f, LiteRtRuntime.defaultDir());
          rows.add(new ExportReport.Artifact("tflite " + p.label(), "not checked", f, size(staged, f), null, null, null, null, null, null, null, null, null, null, null));
          continue;
        }
        log.printf("running %s in LiteRT.js (%d rows of [1,%d])%n", f, set.size(), seqLen);
        t0 = System.nanoTime();
        rows.add(timed(row("tflite " + p.label(), "litert.js", f, size(staged, f), tfliteScores(litert.get(), staged.resolve(f), set, seqLen), reference,
            set, labels, checks.get(p)), t0));
      }
    }
    return new ExportReport(layout.modelBase().getFileName().toString(), version, run.name(), set.source(), set.size(), rows);
  }

  /** The row with the time since {@code startNanos} (load + scoring in its runtime), also logged. */
  private ExportReport.Artifact timed(ExportReport.Artifact row, long startNanos) {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    log.printf(java.util.Locale.ROOT, "%s (%s): %.1f s%n", row.artifact(), row.runtime(), seconds);
    log.flush();
    return row.withSeconds(seconds);
  }

  /** The tolerance an artifact is held to against the training graph. */
  enum Check {
    DIFF_1E5("max|dp|<=1e-5"), DIFF_1E4("max|dp|<=1e-4"), DIFF_1E2("max|dp|<=1e-2"), AGREEMENT_99("agree>=99%");

    final String text;

    Check(String text) {
      this.text = text;
    }

    boolean passes(double maxDiff, double agreement) {
      return switch (this) {
        case DIFF_1E5 -> maxDiff <= 1e-5;
        case DIFF_1E4 -> maxDiff <= 1e-4;
        case DIFF_1E2 -> maxDiff <= 1e-2;
        case AGREEMENT_99 -> agreement >= 0.99;
      };
    }
  }

  private static ArtifactScores tfliteScores(LiteRtRuntime rt, Path file, EvaluationSet set, int seqLen) throws IOException {
    int n = set.size();
    int[] ids = new int[n * seqLen], mask = new int[n * seqLen], types = new int[n * seqLen];
    for (int i = 0; i < n; i++) {
      int[] t = set.tokenIds().get(i);
      for (int j = 0; j < t.length; j++) {
        ids[i * seqLen + j] = t[j];
        mask[i * seqLen + j] = 1;
      }
    }
    LiteRtRuntime.Run r = rt.run(file, Map.of(ClassifierTensors.INPUT_WORD_IDS, ids, ClassifierTensors.INPUT_MASK, mask,
        ClassifierTensors.INPUT_TYPE_IDS, types), n, seqLen, ClassifierTensors.PROBABILITIES);
    List<Double> ms = new ArrayList<>();
    double total = 0;
    for (double m : r.msPerRow()) {
      ms.add(m);
      total += m;
    }
    return new ArtifactScores(r.outputs(), TimedScoring.median(ms), null, null, n / (total / 1000));
  }

  /**
   * One artifact's row: how far its probabilities are from the training graph's, how often its
   * label agrees, and its accuracy and macro-F1 on the parity set ({@link ClassificationMetrics}).
   */
  private static ExportReport.Artifact row(String name, String runtime, String file, Long bytes, ArtifactScores s, ArtifactScores ref,
      EvaluationSet set, List<String> labels, Check check) {
    double maxDiff = 0;
    int agree = 0;
    int n = set.size();
    for (int i = 0; i < n; i++) {
      float[] p = s.probabilities()[i], q = ref.probabilities()[i];
      for (int j = 0; j < q.length; j++) maxDiff = Math.max(maxDiff, Math.abs(p[j] - q[j]));
      if (argmax(p) == argmax(q)) agree++;
    }
    double agreement = agree / (double) n;
    ClassificationMetrics m = ClassificationMetrics.fromProbabilities(s.probabilities(), set.labels(), labels);
    return new ExportReport.Artifact(name, runtime, file, bytes, maxDiff, agreement, m.accuracy(), m.macroF1(), s.batch1MsP50(), s.batchMsP50(),
        s.batchSize(), s.examplesPerSecond(), check == null ? null : check.text, check == null ? null : check.passes(maxDiff, agreement), null);
  }

  private static int argmax(float[] p) {
    int best = 0;
    for (int i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
    return best;
  }

  private EvaluationSet paritySet(TrainedRun run) {
    Path data = config.parity().data();
    if (data == null) {
      data = readJson(run.folder().config()).map(j -> j.path("data").asText(null)).map(Path::of).orElse(null);
      if (data == null || !Files.isDirectory(data)) {
        throw new JtuneException(run.folder().config() + ": names no dataset folder that exists here"
            + (data == null ? "" : " (" + data + ")") + "; pass --data datasets/<name> for the parity check, or --no-parity");
      }
    }
    return EvaluationSet.fromDataset(data, config.parity().split(), run.asset(run.classifier().tokenizer()), run.classifier(), config.parity().limit());
  }

  private static Optional<JsonNode> readJson(Path f) {
    if (!Files.isRegularFile(f)) return Optional.empty();
    try {
      return Optional.of(JtuneJson.MAPPER.readTree(f.toFile()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static List<String> artifactFiles(Path staged) throws IOException {
    List<String> r = new ArrayList<>();
    if (Files.isRegularFile(staged.resolve("saved_model.pb"))) r.add("saved_model.pb");
    try (var s = Files.list(staged)) {
      s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".onnx") || n.endsWith(".tflite")).sorted().forEach(r::add);
    }
    return r;
  }

  private static Long size(Path dir, String file) throws IOException {
    return file.equals("saved_model.pb") ? savedModelBytes(dir) : Files.size(dir.resolve(file));
  }

  /** saved_model.pb plus everything under variables/. */
  static long savedModelBytes(Path dir) throws IOException {
    long n = Files.size(dir.resolve("saved_model.pb"));
    try (var s = Files.walk(dir.resolve("variables"))) {
      for (Path f : s.filter(Files::isRegularFile).toList()) n += Files.size(f);
    }
    return n;
  }

  private static String sha256(Path f) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      try (var in = new java.security.DigestInputStream(Files.newInputStream(f), md)) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String version() {
    String v = ModelExporter.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
