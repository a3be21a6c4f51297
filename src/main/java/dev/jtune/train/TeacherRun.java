package dev.jtune.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jtune.JtuneException;
import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.JtuneJson;
import dev.jtune.artifact.RunLayout;
import dev.jtune.model.ClassifierSavedModel;
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
 * The finished run a distilling run learns from: its classifier SavedModel ({@code model/}), its
 * labels, and what its own metrics.json and provenance.json say, so the student's records can name
 * the teacher and put both models' scores side by side.
 *
 * @param metrics the teacher's metrics.json (validation and test scores)
 * @param encoder the {@code encoder} object of the teacher's provenance.json (empty when absent)
 */
record TeacherRun(Path dir, Path modelDir, ClassifierSpec spec, JsonNode metrics, JsonNode encoder) {
  /** The finished run in {@code dir}, or an error naming what is missing. */
  static TeacherRun of(Path dir) {
    Path model = dir.resolve(RunLayout.MODEL_DIR);
    Path assets = model.resolve(RunLayout.ASSETS_DIR);
    if (!Files.isRegularFile(assets.resolve(ClassifierSpec.FILE_NAME)) || !Files.isRegularFile(dir.resolve(RunLayout.METRICS_FILE))) {
      throw new JtuneException("distillation.teacher " + dir + ": not a finished run (no " + RunLayout.MODEL_DIR + "/assets/"
          + ClassifierSpec.FILE_NAME + " or " + RunLayout.METRICS_FILE + "); pass a run folder written by jtune train");
    }
    ClassifierSpec spec = ClassifierSpec.readIn(assets);
    JsonNode metrics = read(dir.resolve(RunLayout.METRICS_FILE));
    Path prov = dir.resolve(RunLayout.PROVENANCE_FILE);
    JsonNode encoder = Files.isRegularFile(prov) ? read(prov).path("encoder") : JtuneJson.MAPPER.createObjectNode();
    return new TeacherRun(dir, model, spec, metrics, encoder);
  }

  private static JsonNode read(Path file) {
    try {
      return JtuneJson.MAPPER.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new JtuneException(file + ": cannot read the teacher's record: " + e.getMessage() + "; re-run the teacher");
    }
  }

  /** The student must predict the teacher's classes, in the same order. */
  void requireLabels(List<String> labels, Path dataDir) {
    if (!spec.labels().equals(labels)) {
      throw new JtuneException("distillation.teacher " + dir + ": its labels " + spec.labels() + " differ from " + dataDir + " "
          + labels + "; distil on the dataset the teacher was trained on (same labels.txt)");
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
    return new StudentEncoder(student, modelDir.resolve(RunLayout.ASSETS_DIR).resolve(spec.tokenizer()), source, p);
  }

  /** The teacher's recorded macro-F1 on {@code split} (validation or test), or NaN when its metrics.json lacks it. */
  double recordedMacroF1(String split) {
    JsonNode v = metrics.path(split).path("macro_f1");
    return v.isNumber() ? v.asDouble() : Double.NaN;
  }

  /** The {@code teacher} object of the student's provenance.json. */
  Map<String, Object> provenance() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("dir", dir.toString());
    p.put("encoder", encoder);
    p.put("labels", spec.labels());
    return p;
  }
}
