package dev.jtune.model;

import dev.jtune.JtuneException;
import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.ClassifierTensors;
import dev.jtune.artifact.RunLayout;
import dev.jtune.io.AtomicFiles;
import dev.jtune.io.AtomicFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * A trained classifier as a clean inference SavedModel ({@code runs/<run>/model/}): the {@link
 * ClassifierGraph} with the trained values, and nothing of training (no optimizer slots, no loss).
 * Signature {@code serving_default}: the three int32 encoder inputs to {@code logits} and {@code
 * probabilities}; assets {@code bert_config.json}, {@code tokenizer.json}, {@code labels.txt} and
 * {@code classifier.json}. {@link #write} makes one, {@link #read} takes the values back out.
 */
public final class ClassifierSavedModel {
  private static final java.util.Set<String> HEAD_VARIABLES =
      java.util.Set.of(ClassifierTensors.HEAD_KERNEL, ClassifierTensors.HEAD_BIAS, ClassifierTensors.HEAD_WIDE);
  private ClassifierSavedModel() {}

  /** Exports a classifier without a wide part to {@code dir} (built next to it, then renamed into place of the previous one). */
  public static void write(Path dir, BertConfig config, EncoderWeights encoder, float[] kernel, float[] bias,
      ClassifierSpec info, Path tokenizerJson) {
    write(dir, config, encoder, kernel, bias, null, info, tokenizerJson);
  }

  /**
   * Exports to {@code dir} (built next to it, then renamed into place of the previous one); {@code
   * wide} is the wide part's table, null exactly when {@code info} has no wide part.
   */
  public static void write(Path dir, BertConfig config, EncoderWeights encoder, float[] kernel, float[] bias, float[] wide,
      ClassifierSpec info, Path tokenizerJson) {
    try {
      AtomicFolder.replaceOwned(dir, tmp -> {
        try (Graph g = new Graph()) {
          ClassifierGraph classifier = ClassifierGraph.build(g, config, info);
          try (Session s = new Session(g)) {
            classifier.load(s, encoder, kernel, bias, wide);
            SavedModelBundle.exporter(tmp.toString()).withSession(s).withSignature(classifier.servingSignature()).export();
          }
        }
        Path assets = tmp.resolve(RunLayout.ASSETS_DIR);
        Files.createDirectories(assets);
        config.write(assets.resolve(BertConfig.FILE_NAME));
        Files.copy(tokenizerJson, assets.resolve(info.tokenizer()), StandardCopyOption.REPLACE_EXISTING);
        AtomicFiles.writeString(assets.resolve(RunLayout.LABELS_FILE), String.join("\n", info.labels()) + "\n");
        info.write(assets.resolve(ClassifierSpec.FILE_NAME));
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot export classifier to " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads the classifier SavedModel in {@code model}: its assets, then the variable values (the
   * SavedModel is closed again). Pruning masks stored as {@code <parameter>/mask} variables are
   * multiplied in, so a pruned weight is a plain zero. Every problem is one {@link JtuneException} line.
   */
  public static TrainedClassifier read(Path model) {
    Path assets = model.resolve(RunLayout.ASSETS_DIR);
    for (String f : List.of(BertConfig.FILE_NAME, ClassifierSpec.DEFAULT_TOKENIZER, RunLayout.LABELS_FILE, ClassifierSpec.FILE_NAME)) {
      if (!Files.isRegularFile(assets.resolve(f))) {
        throw new JtuneException(assets.resolve(f) + ": missing; a finished model folder has assets/" + f);
      }
    }
    BertConfig config = BertConfig.read(assets.resolve(BertConfig.FILE_NAME));
    ClassifierSpec head = ClassifierSpec.readIn(assets);
    List<String> labels;
    try {
      labels = Files.readAllLines(assets.resolve(RunLayout.LABELS_FILE)).stream().filter(l -> !l.isBlank()).toList();
    } catch (IOException e) {
      throw new JtuneException(assets.resolve(RunLayout.LABELS_FILE) + ": cannot read: " + e.getMessage(), e);
    }
    if (!labels.equals(head.labels())) {
      throw new JtuneException(assets.resolve(RunLayout.LABELS_FILE) + ": labels " + labels + " differ from classifier.json " + head.labels());
    }

    Map<String, EncoderWeights.Weight> encoder = new LinkedHashMap<>();
    Map<String, EncoderWeights.Weight> headWeights = new LinkedHashMap<>();
    int masks = 0;
    try (SavedModelBundle bundle = SavedModelBundle.load(model.toString(), "serve")) {
      List<String> names = new ArrayList<>();
      config.parameters().stream().map(EncoderParameter::name).forEach(names::add);
      names.add(ClassifierTensors.HEAD_KERNEL);
      names.add(ClassifierTensors.HEAD_BIAS);
      if (head.hasWidePart()) names.add(ClassifierTensors.HEAD_WIDE);
      for (String n : names) {
        if (!isVariable(bundle, n)) {
          throw new JtuneException(model + ": the SavedModel has no variable '" + n + "'; it is not a jtune classifier of this bert_config.json");
        }
      }
      Map<String, EncoderWeights.Weight> values = fetch(bundle.session(), names);
      List<String> maskNames = names.stream().filter(n -> isVariable(bundle, n + "/mask")).map(n -> n + "/mask").toList();
      Map<String, EncoderWeights.Weight> maskValues = fetch(bundle.session(), maskNames);
      for (String n : names) {
        EncoderWeights.Weight w = values.get(n);
        EncoderWeights.Weight m = maskValues.get(n + "/mask");
        if (m != null) {
          float[] v = w.values().clone();
          float[] mv = m.values();
          if (mv.length != v.length) throw new JtuneException(model + ": mask of '" + n + "' has " + mv.length + " values, the weight " + v.length);
          for (int i = 0; i < v.length; i++) v[i] *= mv[i];
          w = new EncoderWeights.Weight(w.shape(), v);
          masks++;
        }
        (HEAD_VARIABLES.contains(n) ? headWeights : encoder).put(n, w);
      }
    } catch (org.tensorflow.exceptions.TensorFlowException e) {
      throw new JtuneException(model + ": cannot load the SavedModel: " + e.getMessage().lines().findFirst().orElse(""), e);
    }
    EncoderWeights enc = EncoderWeights.of(encoder);
    try {
      enc.requireMatches(config, model.toString());
    } catch (IllegalArgumentException e) {
      throw new JtuneException(e.getMessage(), e);
    }
    EncoderWeights.Weight kernel = headWeights.get(ClassifierTensors.HEAD_KERNEL);
    EncoderWeights.Weight bias = headWeights.get(ClassifierTensors.HEAD_BIAS);
    long features = (long) head.layers() * config.hiddenSize();
    if (!kernel.shape().equals(Shape.of(features, head.numLabels())) || !bias.shape().equals(Shape.of(head.numLabels()))) {
      throw new JtuneException(model + ": classifier/kernel " + kernel.shape() + " and classifier/bias " + bias.shape()
          + " do not match " + head.layers() + " pooled layer(s) of hidden " + config.hiddenSize() + " and "
          + head.numLabels() + " labels");
    }
    EncoderWeights.Weight wide = headWeights.get(ClassifierTensors.HEAD_WIDE);
    if (wide != null && !wide.shape().equals(Shape.of(WideLinear.rows(config.vocabSize(), head.wideBuckets()), head.numLabels()))) {
      throw new JtuneException(model + ": classifier/wide " + wide.shape() + " does not match a vocabulary of " + config.vocabSize()
          + " plus wide_buckets " + head.wideBuckets() + " rows and " + head.numLabels() + " labels");
    }
    return new TrainedClassifier(config, head, enc, kernel, bias, wide, masks);
  }

  private static boolean isVariable(SavedModelBundle b, String name) {
    GraphOperation op = b.graph().operation(name);
    return op != null && op.type().startsWith("Variable");
  }

  private static Map<String, EncoderWeights.Weight> fetch(Session s, List<String> names) {
    Map<String, EncoderWeights.Weight> out = new LinkedHashMap<>();
    if (names.isEmpty()) return out;
    Session.Runner r = s.runner();
    names.forEach(r::fetch);
    try (Result res = r.run()) {
      for (int i = 0; i < names.size(); i++) {
        Tensor t = res.get(i);
        if (!(t instanceof TFloat32 f)) throw new JtuneException("variable '" + names.get(i) + "' is " + t.dataType() + ", expected float32");
        float[] v = new float[(int) f.shape().size()];
        f.asRawTensor().data().asFloats().read(v);
        out.put(names.get(i), new EncoderWeights.Weight(f.shape(), v));
      }
    }
    return out;
  }
}
