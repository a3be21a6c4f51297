package dev.jtune.model;

import dev.jtune.JtuneException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tensorflow.ndarray.Shape;

/**
 * Turns a BERT-family encoder exported to ONNX (e.g. by PyTorch from a Hugging Face {@code BertModel})
 * into a {@link PretrainedEncoder}: every weight initializer is mapped to its BERT checkpoint name and
 * the architecture is read off the graph.
 *
 * <ul>
 *   <li>Named initializers ({@code embeddings.word_embeddings.weight}, {@code
 *       encoder.layer.3.output.LayerNorm.bias}, ...) map by name.
 *   <li>Dense kernels are found from their use, since exporters often leave them unnamed ({@code
 *       onnx::MatMul_787}): the {@code Add} that adds a named {@code *.bias} takes the output of a
 *       {@code MatMul} (or a {@code Gemm} takes the bias directly) whose weight input is the kernel.
 *       A kernel used through {@code Transpose} or {@code Gemm transB=1} is transposed to [in, out].
 *   <li>Sizes come from the tensor shapes; the number of heads from the attention reshape to
 *       [batch, seq, heads, head_size]; LayerNorm epsilon from the constant added to the variance;
 *       the activation from the presence of {@code Erf} (exact GELU) or {@code Tanh}.
 *   <li>Every layer gets layer 0's shape: a model whose layers differ (pruned) is refused.
 * </ul>
 * Anything missing is refused with a {@link JtuneException} naming the file and what was not found.
 */
public final class OnnxEncoderImport {

  private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.(.+)$");
  private static final Set<String> DENSE_PATHS = Set.of("attention.self.query", "attention.self.key",
      "attention.self.value", "attention.output.dense", "intermediate.dense", "output.dense");

  private final OnnxModel model;
  private final String source;
  private final Map<String, OnnxModel.Node> producers = new HashMap<>();
  private final Map<String, List<OnnxModel.Node>> consumers = new HashMap<>();
  private final Map<String, OnnxModel.Tensor> constants = new HashMap<>();

  private OnnxEncoderImport(OnnxModel model, String source) {
    this.model = model;
    this.source = source;
    for (OnnxModel.Node n : model.nodes()) {
      for (String o : n.outputs()) producers.put(o, n);
      for (String i : n.inputs()) consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
      if (n.opType().equals("Constant") && n.tensorAttributes().containsKey("value")) {
        constants.put(n.outputs().get(0), n.tensorAttributes().get("value"));
      }
    }
    constants.putAll(model.initializers());
  }

  /** Reads {@code onnxFile} and maps it to a BERT encoder. */
  public static PretrainedEncoder read(Path onnxFile) {
    return fromModel(OnnxModel.read(onnxFile), onnxFile.toString());
  }

  /** Maps an already parsed ONNX model; {@code source} names it in error messages. */
  public static PretrainedEncoder fromModel(OnnxModel model, String source) {
    return new OnnxEncoderImport(model, source).convert();
  }

  private PretrainedEncoder convert() {
    Map<String, EncoderWeights.Weight> weights = new LinkedHashMap<>();
    Set<String> used = new LinkedHashSet<>();
    Map<String, String> denseBiases = new LinkedHashMap<>(); // BERT kernel name -> ONNX bias initializer
    for (OnnxModel.Tensor t : model.initializers().values()) {
      String onnxName = stripModelPrefix(t.name());
      String bert = bertName(onnxName);
      if (bert == null || t.dataType() != OnnxModel.FLOAT) continue;
      if (bert.endsWith("/kernel")) continue; // kernels are taken from their MatMul below
      weights.put(bert, new EncoderWeights.Weight(Shape.of(t.dims()), t.floats()));
      used.add(t.name());
      if (bert.endsWith("/bias") && !bert.contains("LayerNorm")) denseBiases.put(bert.replaceAll("bias$", "kernel"), t.name());
    }
    for (var e : denseBiases.entrySet()) {
      Kernel k = kernelFor(e.getValue());
      if (k == null) continue;
      weights.put(e.getKey(), k.weight);
      used.add(k.initializer);
    }

    List<String> missing = new ArrayList<>();
    for (String required : List.of("bert/embeddings/word_embeddings", "bert/embeddings/position_embeddings",
        "bert/embeddings/token_type_embeddings", "bert/encoder/layer_0/intermediate/dense/bias")) {
      if (!weights.containsKey(required)) missing.add(required);
    }
    if (!missing.isEmpty()) {
      throw refuse("not a BERT encoder: no initializer for " + String.join(", ", missing)
          + " (expected Hugging Face names such as embeddings.word_embeddings.weight)");
    }
    checkPositionIds();

    Shape word = weights.get("bert/embeddings/word_embeddings").shape();
    int hidden = (int) word.get(1);
    int layers = 0;
    while (weights.containsKey("bert/encoder/layer_" + layers + "/intermediate/dense/bias")) layers++;
    boolean pooler = weights.containsKey("bert/pooler/dense/bias");
    BertConfig config;
    try {
      config = new BertConfig((int) word.get(0), hidden, layers, attentionHeads(hidden),
          (int) weights.get("bert/encoder/layer_0/intermediate/dense/bias").shape().get(0),
          (int) weights.get("bert/embeddings/position_embeddings").shape().get(0),
          (int) weights.get("bert/embeddings/token_type_embeddings").shape().get(0),
          layerNormEpsilon(), activation(), pooler ? BertConfig.Pooler.DENSE : BertConfig.Pooler.MEAN);
    } catch (IllegalArgumentException e) {
      throw refuse("inferred an invalid encoder config: " + e.getMessage());
    }

    refuseLayersShapedUnlikeTheFirst(config, weights);
    List<String> absent = new ArrayList<>();
    for (EncoderParameter p : config.parameters()) if (!weights.containsKey(p.name())) absent.add(p.name());
    if (!absent.isEmpty()) {
      throw refuse("no weight found for " + absent.size() + " BERT parameters, e.g. " + absent.get(0)
          + (absent.get(0).endsWith("/kernel") ? " (no MatMul feeding the Add of its bias)" : ""));
    }
    List<String> unmapped = new ArrayList<>();
    for (OnnxModel.Tensor t : model.initializers().values()) {
      if (t.dataType() == OnnxModel.FLOAT && t.size() > 1 && !used.contains(t.name())) unmapped.add(t.name());
    }
    if (!unmapped.isEmpty()) {
      throw refuse(unmapped.size() + " weight initializers are not part of a BERT encoder (e.g. " + unmapped.get(0)
          + "); import a plain encoder export without task heads");
    }
    Map<String, EncoderWeights.Weight> ordered = new LinkedHashMap<>();
    for (EncoderParameter p : config.parameters()) ordered.put(p.name(), weights.get(p.name()));
    EncoderWeights result = EncoderWeights.of(ordered);
    try {
      result.requireMatches(config, source);
    } catch (JtuneException e) {
      throw refuse("weight shapes are inconsistent: " + e.getMessage());
    }
    return new PretrainedEncoder(config, result);
  }

  /**
   * The config says every layer has layer 0's shape (the import fills uniform shapes); a model whose
   * layers differ, as after structured pruning, is refused here rather than as a list of shape errors.
   */
  private void refuseLayersShapedUnlikeTheFirst(BertConfig config, Map<String, EncoderWeights.Weight> weights) {
    for (int l = 1; l < config.numHiddenLayers(); l++) {
      String p = BertConfig.layerPrefix(l);
      long attention = width(weights, p + "attention/self/query/bias"), ffn = width(weights, p + "intermediate/dense/bias");
      if ((attention >= 0 && attention != config.attentionWidth(0)) || ffn != config.intermediateSize()) {
        throw refuse("layer " + l + " is shaped unlike layer 0 (attention width " + attention + ", intermediate size " + ffn
            + "; layer 0: " + config.attentionWidth(0) + ", " + config.intermediateSize()
            + "): per-layer shapes, as in a pruned model, are not inferred from ONNX; import the model before pruning");
      }
    }
  }

  /** Length of a 1-D weight, or -1 when it is absent (reported later with the other missing ones). */
  private static long width(Map<String, EncoderWeights.Weight> weights, String name) {
    EncoderWeights.Weight w = weights.get(name);
    return w == null ? -1 : w.shape().get(0);
  }

  private record Kernel(String initializer, EncoderWeights.Weight weight) {}

  /** Follows a dense layer's named bias back to its (possibly unnamed) weight matrix. */
  private Kernel kernelFor(String biasInitializer) {
    for (OnnxModel.Node add : consumers.getOrDefault(biasInitializer, List.of())) {
      if (add.opType().equals("Gemm")) {
        boolean transB = add.intAttributes().getOrDefault("transB", 0L) == 1L;
        Kernel k = weightInput(add.inputs().get(1), transB);
        if (k != null) return k;
      }
      if (!add.opType().equals("Add")) continue;
      for (String in : add.inputs()) {
        OnnxModel.Node mm = producers.get(in);
        if (mm == null || !mm.opType().equals("MatMul")) continue;
        Kernel k = weightInput(mm.inputs().get(1), false);
        if (k != null) return k;
      }
    }
    return null;
  }

  private Kernel weightInput(String name, boolean transposed) {
    OnnxModel.Tensor t = model.initializers().get(name);
    if (t == null) {
      OnnxModel.Node tr = producers.get(name);
      if (tr != null && tr.opType().equals("Transpose")) {
        t = model.initializers().get(tr.inputs().get(0));
        transposed = !transposed;
      }
    }
    if (t == null || t.dataType() != OnnxModel.FLOAT || t.dims().length != 2) return null;
    float[] v = t.floats();
    int rows = (int) t.dims()[0], cols = (int) t.dims()[1];
    if (!transposed) return new Kernel(t.name(), new EncoderWeights.Weight(Shape.of(rows, cols), v));
    float[] out = new float[v.length];
    for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) out[c * rows + r] = v[r * cols + c];
    return new Kernel(t.name(), new EncoderWeights.Weight(Shape.of(cols, rows), out));
  }

  /** Heads from the attention reshapes to [batch, seq, heads, head_size] (a Concat or a constant shape). */
  private int attentionHeads(int hidden) {
    Set<Integer> found = new TreeSet<>();
    for (OnnxModel.Node n : model.nodes()) {
      if (!n.opType().equals("Reshape") || n.inputs().size() < 2) continue;
      long[] shape = constantShape(n.inputs().get(1));
      if (shape == null || shape.length != 4) continue;
      long heads = shape[2], size = shape[3];
      if (heads > 0 && size > 0 && heads * size == hidden) found.add((int) heads);
    }
    if (found.size() != 1) {
      throw refuse(found.isEmpty()
          ? "cannot infer num_attention_heads: no Reshape to [batch, seq, heads, head_size] with heads * head_size = " + hidden
          : "attention reshapes disagree on the number of heads: " + found);
    }
    return found.iterator().next();
  }

  /** A reshape target: a constant, or a Concat whose parts are constants where known (-1 otherwise). */
  private long[] constantShape(String name) {
    OnnxModel.Tensor c = constants.get(name);
    if (c != null) return toLongs(c.numbers());
    OnnxModel.Node concat = producers.get(name);
    if (concat == null || !concat.opType().equals("Concat")) return null;
    List<Long> out = new ArrayList<>();
    for (String in : concat.inputs()) {
      OnnxModel.Tensor part = constants.get(in);
      if (part == null) out.add(-1L);
      else for (double d : part.numbers()) out.add((long) d);
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  /** Epsilon: the scalar added to a ReduceMean (the variance), or a LayerNormalization attribute. */
  private double layerNormEpsilon() {
    Set<Double> found = new TreeSet<>();
    for (OnnxModel.Node n : model.nodes()) {
      if (n.opType().equals("LayerNormalization")) {
        found.add(Double.parseDouble(Float.toString(n.floatAttributes().getOrDefault("epsilon", 1e-5f))));
      }
      if (!n.opType().equals("Add") || n.inputs().size() != 2) continue;
      for (int i = 0; i < 2; i++) {
        OnnxModel.Node p = producers.get(n.inputs().get(i));
        OnnxModel.Tensor c = constants.get(n.inputs().get(1 - i));
        if (p != null && p.opType().equals("ReduceMean") && c != null && c.size() == 1) {
          found.add(Double.parseDouble(Float.toString((float) c.numbers()[0])));
        }
      }
    }
    if (found.size() != 1) {
      throw refuse(found.isEmpty() ? "cannot infer layer_norm_eps: no LayerNorm (ReduceMean + epsilon) found"
          : "LayerNorms use different epsilons: " + found);
    }
    return found.iterator().next();
  }

  private BertConfig.Activation activation() {
    boolean erf = false, tanh = false;
    for (OnnxModel.Node n : model.nodes()) {
      erf |= n.opType().equals("Erf");
      tanh |= n.opType().equals("Tanh");
    }
    if (erf) return BertConfig.Activation.GELU;
    if (tanh) return BertConfig.Activation.GELU_TANH;
    throw refuse("cannot infer hidden_act: no Erf (exact GELU) or Tanh (approximate GELU) in the graph");
  }

  /** BERT adds position i to token i; refuse models whose position ids are shifted (e.g. RoBERTa). */
  private void checkPositionIds() {
    for (OnnxModel.Tensor t : model.initializers().values()) {
      if (!stripModelPrefix(t.name()).equals("embeddings.position_ids")) continue;
      double[] ids = t.numbers();
      for (int i = 0; i < ids.length; i++) {
        if (ids[i] != i) throw refuse("position ids do not count from 0 (" + t.name() + "[" + i + "] = " + ids[i] + "); not a BERT model");
      }
    }
  }

  private static long[] toLongs(double[] d) {
    long[] out = new long[d.length];
    for (int i = 0; i < d.length; i++) out[i] = (long) d[i];
    return out;
  }

  private static String stripModelPrefix(String name) {
    return name.startsWith("bert.") ? name.substring(5) : name;
  }

  /** Hugging Face parameter name (without model prefix) -> BERT checkpoint name, or null. */
  static String bertName(String hf) {
    switch (hf) {
      case "embeddings.word_embeddings.weight": return "bert/embeddings/word_embeddings";
      case "embeddings.position_embeddings.weight": return "bert/embeddings/position_embeddings";
      case "embeddings.token_type_embeddings.weight": return "bert/embeddings/token_type_embeddings";
      case "embeddings.LayerNorm.weight": return "bert/embeddings/LayerNorm/gamma";
      case "embeddings.LayerNorm.bias": return "bert/embeddings/LayerNorm/beta";
      case "pooler.dense.weight": return "bert/pooler/dense/kernel";
      case "pooler.dense.bias": return "bert/pooler/dense/bias";
      default: break;
    }
    Matcher m = LAYER.matcher(hf);
    if (!m.matches()) return null;
    String rest = m.group(2), prefix = BertConfig.layerPrefix(Integer.parseInt(m.group(1)));
    int dot = rest.lastIndexOf('.');
    if (dot < 0) return null;
    String path = rest.substring(0, dot), leaf = rest.substring(dot + 1);
    if (path.endsWith("LayerNorm") && (leaf.equals("weight") || leaf.equals("bias"))) {
      return prefix + path.replace('.', '/') + (leaf.equals("weight") ? "/gamma" : "/beta");
    }
    if (DENSE_PATHS.contains(path) && (leaf.equals("weight") || leaf.equals("bias"))) {
      return prefix + path.replace('.', '/') + (leaf.equals("weight") ? "/kernel" : "/bias");
    }
    return null;
  }

  private JtuneException refuse(String what) {
    return new JtuneException(source + ": " + what);
  }
}
