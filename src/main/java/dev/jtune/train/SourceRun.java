package dev.jtune.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jtune.JtuneException;
import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.JtuneJson;
import dev.jtune.artifact.RunLayout;
import dev.jtune.data.LabeledText;
import dev.jtune.data.TextTokenizer;
import dev.jtune.data.TokenTruncation;
import dev.jtune.model.BertConfig;
import dev.jtune.model.ClassifierSavedModel;
import dev.jtune.model.StructuredPruning;
import dev.jtune.model.PretrainedEncoder;
import dev.jtune.model.TrainedClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A finished run another run derives from (a distilling run's teacher, a pruned run's unpruned
 * model): its classifier SavedModel ({@code model/}), its labels, and what its own metrics.json and
 * provenance.json say, so the derived run's records can name it and put both models' scores side
 * by side.
 *
 * @param field the config field that names the run (for errors)
 * @param metrics the run's metrics.json (validation and test scores)
 * @param encoder the {@code encoder} object of the run's provenance.json (empty when absent)
 */
record SourceRun(Path dir, String field, Path modelDir, ClassifierSpec spec, JsonNode metrics, JsonNode encoder) {
  /** The finished run in {@code dir}, named in errors as the config field {@code field}, or an error naming what is missing. */
  static SourceRun of(Path dir, String field) {
    Path model = dir.resolve(RunLayout.MODEL_DIR);
    Path assets = model.resolve(RunLayout.ASSETS_DIR);
    if (!Files.isRegularFile(assets.resolve(ClassifierSpec.FILE_NAME)) || !Files.isRegularFile(dir.resolve(RunLayout.METRICS_FILE))) {
      throw new JtuneException(field + " " + dir + ": not a finished run (no " + RunLayout.MODEL_DIR + "/assets/"
          + ClassifierSpec.FILE_NAME + " or " + RunLayout.METRICS_FILE + "); pass a run folder written by jtune train");
    }
    ClassifierSpec spec = ClassifierSpec.readIn(assets);
    JsonNode metrics = read(dir.resolve(RunLayout.METRICS_FILE));
    Path prov = dir.resolve(RunLayout.PROVENANCE_FILE);
    JsonNode encoder = Files.isRegularFile(prov) ? read(prov).path("encoder") : JtuneJson.MAPPER.createObjectNode();
    return new SourceRun(dir, field, model, spec, metrics, encoder);
  }

  private static JsonNode read(Path file) {
    try {
      return JtuneJson.MAPPER.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new JtuneException(file + ": cannot read the run's record: " + e.getMessage() + "; re-run it");
    }
  }

  /** The derived run must predict this run's classes, in the same order. */
  void requireLabels(List<String> labels, Path dataDir) {
    if (!spec.labels().equals(labels)) {
      throw new JtuneException(field + " " + dir + ": its labels " + spec.labels() + " differ from " + dataDir + " "
          + labels + "; use the dataset that run was trained on (same labels.txt)");
    }
  }

  /** The teacher's own fine-tuned encoder cut to the layers {@code settings} names, with the teacher's tokenizer. */
  StudentEncoder cut(TrainingConfig.Distillation settings) {
    TrainedClassifier t = ClassifierSavedModel.read(modelDir);
    int[] layers = settings.keptLayers(t.config().numHiddenLayers());
    PretrainedEncoder student = new PretrainedEncoder(t.config(), t.encoderWeights()).keepLayers(layers);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("cut_from_teacher", dir.toString());
    p.put("teacher_layers", Arrays.stream(layers).boxed().toList());
    p.put("config", student.config());
    String source = "the teacher's encoder (" + dir + "), layers " + Arrays.toString(layers);
    return new StudentEncoder(student, modelDir.resolve(RunLayout.ASSETS_DIR).resolve(spec.tokenizer()), source, p, null);
  }

  /**
   * This run's encoder with the heads and neurons {@code settings} remove, the least important by
   * weight magnitude ({@link StructuredPruning}); the derived run starts from this run's head.
   */
  StudentEncoder pruned(TrainingConfig.Pruning settings, List<LabeledText> train, long seed) {
    TrainedClassifier t = ClassifierSavedModel.read(modelDir);
    PretrainedEncoder full = new PretrainedEncoder(t.config(), t.encoderWeights());
    boolean removes = settings.heads() > 0 || settings.ffn() > 0;
    StructuredPruning.Importance importance = !removes || settings.importance().equals("magnitude")
        ? StructuredPruning.magnitudeImportance(full) : gradientImportance(t, train, settings.importanceExamples(), seed);
    StructuredPruning.Plan plan = StructuredPruning.plan(importance.heads(), importance.neurons(),
        settings.heads(), settings.ffn(), StructuredPruning.Scope.valueOf(settings.scope().toUpperCase(java.util.Locale.ROOT)));
    PretrainedEncoder pruned = StructuredPruning.apply(full, plan);
    BertConfig before = full.config(), after = pruned.config();
    int headsBefore = 0, ffnBefore = 0;
    for (int l = 0; l < before.numHiddenLayers(); l++) {
      headsBefore += before.layerShape(l).numAttentionHeads();
      ffnBefore += before.layerShape(l).intermediateSize();
    }
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("pruned_from", dir.toString());
    p.put("importance", !removes ? "none (nothing removed)" : settings.importance().equals("magnitude") ? "weight magnitude"
        : "gradient of the cross-entropy w.r.t. unit masks on " + Math.min(train.size(), settings.importanceExamples()) + " train examples");
    p.put("scope", settings.scope());
    p.put("heads", List.of(headsBefore, plan.keptHeads()));
    p.put("ffn_neurons", List.of(ffnBefore, plan.keptNeurons()));
    p.put("encoder_parameters", List.of(before.parameterCount(), after.parameterCount()));
    p.put("config", after);
    String source = String.format(java.util.Locale.ROOT, "the encoder of %s pruned to %d of %d heads and %d of %d FFN neurons", dir,
        plan.keptHeads(), headsBefore, plan.keptNeurons(), ffnBefore);
    return new StudentEncoder(pruned, modelDir.resolve(RunLayout.ASSETS_DIR).resolve(spec.tokenizer()), source, p, t);
  }

  /**
   * {@link StructuredPruning#gradientImportance} of this run's classifier on up to {@code examples}
   * train examples drawn by the seed, tokenized as the classifier reads text.
   */
  private StructuredPruning.Importance gradientImportance(TrainedClassifier t, List<LabeledText> train, int examples, long seed) {
    List<LabeledText> sample = new java.util.ArrayList<>(train);
    java.util.Collections.shuffle(sample, new java.util.Random(seed));
    sample = sample.subList(0, Math.min(examples, sample.size()));
    List<int[]> ids = new java.util.ArrayList<>();
    try (TextTokenizer tok = TextTokenizer.load(modelDir.resolve(RunLayout.ASSETS_DIR).resolve(spec.tokenizer()), TokenTruncation.of(spec))) {
      for (LabeledText x : sample) ids.add(tok.encode(x.text()));
    }
    // length order keeps each batch's padding short; the importance is a sum over batches
    Integer[] order = new Integer[ids.size()];
    for (int i = 0; i < order.length; i++) order[i] = i;
    java.util.Arrays.sort(order, java.util.Comparator.comparingInt(i -> ids.get(i).length));
    List<int[]> sorted = new java.util.ArrayList<>();
    int[] labels = new int[order.length];
    for (int i = 0; i < order.length; i++) {
      sorted.add(ids.get(order[i]));
      labels[i] = sample.get(order[i]).label();
    }
    return StructuredPruning.gradientImportance(t, sorted, labels, 16);
  }

  /** The run's recorded macro-F1 on {@code split} (validation or test), or NaN when its metrics.json lacks it. */
  double recordedMacroF1(String split) {
    JsonNode v = metrics.path(split).path("macro_f1");
    return v.isNumber() ? v.asDouble() : Double.NaN;
  }

  /** Its object in the derived run's provenance.json. */
  Map<String, Object> provenance() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("dir", dir.toString());
    p.put("encoder", encoder);
    p.put("labels", spec.labels());
    return p;
  }
}
