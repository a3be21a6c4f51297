package dev.jtune.train;

import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.JtuneException;
import dev.jtune.eval.SavedModelClassifier;
import dev.jtune.model.BertConfig;
import dev.jtune.model.EncoderParameter;
import dev.jtune.model.EncoderWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * A finished training run as the exporter reads it: {@code runs/<run>/model/} (a SavedModel whose
 * variables are the encoder's plus {@code classifier/kernel} and {@code classifier/bias}) with its
 * assets. Loading copies the variable values out and closes the SavedModel; pruning masks stored
 * as {@code <parameter>/mask} variables are multiplied in, so a pruned weight is a plain zero.
 */
public record TrainedRun(
    Path runDir,
    String name,
    BertConfig config,
    ClassifierSpec classifier,
    List<String> labels,
    EncoderWeights encoderWeights,
    EncoderWeights.Weight headKernel,
    EncoderWeights.Weight headBias,
    int foldedMasks) {

  public static final String HEAD_KERNEL = "classifier/kernel";
  public static final String HEAD_BIAS = "classifier/bias";

  public Path modelDir() {
    return runDir.resolve("model");
  }

  public Path asset(String file) {
    return modelDir().resolve("assets").resolve(file);
  }

  /** Checks the run folder and reads its model; every problem is one {@link JtuneException} line. */
  public static TrainedRun load(Path runDir) {
    if (!Files.isDirectory(runDir)) {
      throw new JtuneException(runDir + ": no such run folder; pass --run runs/<run> of a finished training run");
    }
    Path model = runDir.resolve("model");
    if (!Files.isRegularFile(model.resolve("saved_model.pb")) || !Files.isDirectory(model.resolve("variables"))) {
      throw new JtuneException(runDir + ": no finished model (model/saved_model.pb and model/variables/ are missing); "
          + "finish training first (jtune train)");
    }
    Path assets = model.resolve("assets");
    for (String f : List.of(BertConfig.FILE_NAME, "tokenizer.json", "labels.txt", ClassifierSpec.FILE_NAME)) {
      if (!Files.isRegularFile(assets.resolve(f))) {
        throw new JtuneException(assets.resolve(f) + ": missing; a finished model folder has assets/" + f);
      }
    }
    BertConfig config = BertConfig.read(assets.resolve(BertConfig.FILE_NAME));
    ClassifierSpec head = ClassifierSpec.readIn(assets);
    List<String> labels;
    try {
      labels = Files.readAllLines(assets.resolve("labels.txt")).stream().filter(l -> !l.isBlank()).toList();
    } catch (java.io.IOException e) {
      throw new JtuneException(assets.resolve("labels.txt") + ": cannot read: " + e.getMessage(), e);
    }
    if (!labels.equals(head.labels())) {
      throw new JtuneException(assets.resolve("labels.txt") + ": labels " + labels + " differ from classifier.json " + head.labels());
    }

    Map<String, EncoderWeights.Weight> encoder = new LinkedHashMap<>();
    Map<String, EncoderWeights.Weight> headWeights = new LinkedHashMap<>();
    int masks = 0;
    try (SavedModelBundle bundle = SavedModelBundle.load(model.toString(), "serve")) {
      List<String> names = new ArrayList<>();
      config.parameters().stream().map(EncoderParameter::name).forEach(names::add);
      names.add(HEAD_KERNEL);
      names.add(HEAD_BIAS);
      for (String n : names) {
        GraphOperation op = bundle.graph().operation(n);
        if (op == null || !op.type().startsWith("Variable")) {
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
        (n.startsWith("classifier/") ? headWeights : encoder).put(n, w);
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
    EncoderWeights.Weight kernel = headWeights.get(HEAD_KERNEL);
    EncoderWeights.Weight bias = headWeights.get(HEAD_BIAS);
    long features = (long) head.layers() * config.hiddenSize();
    if (!kernel.shape().equals(Shape.of(features, head.numLabels())) || !bias.shape().equals(Shape.of(head.numLabels()))) {
      throw new JtuneException(model + ": classifier/kernel " + kernel.shape() + " and classifier/bias " + bias.shape()
          + " do not match " + head.layers() + " pooled layer(s) of hidden " + config.hiddenSize() + " and "
          + head.numLabels() + " labels");
    }
    return new TrainedRun(runDir, runDir.toAbsolutePath().normalize().getFileName().toString(), config, head, labels, enc, kernel, bias, masks);
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
