package dev.jtune.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.jtune.data.TokenBatch;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Structured pruning of an encoder: whole attention heads and feed-forward neurons removed, so the
 * saved matrices are physically smaller and every runtime does less work. Which ones go is decided by
 * an importance score per head and per neuron; {@link #apply} slices the weights and records each
 * layer's new shape in {@link BertConfig#layerShapes()}. A layer may lose all its heads (its
 * attention block is then its output bias); it keeps at least one feed-forward neuron.
 *
 * <p>Importance is weight magnitude, the contribution a unit can make to the layer's output: a
 * head's {@code ||[W_value; b_value][:, head]|| * ||W_out[head, :]||} (Frobenius norms over its
 * columns and rows), a neuron's {@code ||[W_in; b_in][:, j]|| * ||W_out[j, :]||}. A unit whose value or output weights
 * are zero scores 0 and changes nothing when removed. With a global budget, each layer's scores are
 * first scaled to unit L2 norm (as Michel et al. 2019 do for theirs) so layers compete fairly.
 */
public final class StructuredPruning {
  private StructuredPruning() {}

  /** How the budget is spent: over all layers at once, or the same fraction in every layer. */
  public enum Scope {
    GLOBAL,
    LAYER
  }

  /**
   * Which heads and neurons of each layer stay (0-based indices in the layer as it is, rising).
   *
   * @param heads per layer, the kept heads
   * @param neurons per layer, the kept feed-forward neurons
   */
  public record Plan(List<int[]> heads, List<int[]> neurons) {
    public int keptHeads() {
      return heads.stream().mapToInt(h -> h.length).sum();
    }

    public int keptNeurons() {
      return neurons.stream().mapToInt(n -> n.length).sum();
    }
  }

  /** Head and neuron importance, each [layer][unit]. */
  public record Importance(double[][] heads, double[][] neurons) {}

  /**
   * Importance from data (Michel et al. 2019): each layer's heads and feed-forward neurons are
   * multiplied by a mask of ones, and a unit's importance is the sum over batches of {@code |dL/dmask|}
   * for the classifier's cross-entropy L on these labeled examples, how much the loss would change if
   * the unit were scaled down. A unit that adds nothing to its layer's output scores exactly 0.
   */
  public static Importance gradientImportance(TrainedClassifier model, List<int[]> tokenIds, int[] labels, int batchSize) {
    BertConfig c = model.config();
    int layers = c.numHiddenLayers();
    double[][] heads = new double[layers][], neurons = new double[layers][];
    for (int l = 0; l < layers; l++) {
      heads[l] = new double[c.layerShape(l).numAttentionHeads()];
      neurons[l] = new double[c.layerShape(l).intermediateSize()];
    }
    try (Graph g = new Graph()) {
      ClassifierGraph cg = ClassifierGraph.build(g, c, model.classifier(), BertEncoder.Options.inference().withUnitMasks());
      Ops tf = Ops.create(g);
      var labelIds = tf.placeholder(TInt32.class,
          Placeholder.shape(Shape.of(-1)));
      var oneHot = tf.oneHot(labelIds, tf.constant(model.labels().size()), tf.constant(1f), tf.constant(0f));
      var loss = tf.reduceSum(tf.nn.softmaxCrossEntropyWithLogits(cg.head().logits(), oneHot).loss(), tf.constant(0));
      List<Output<?>> masks = new ArrayList<>();
      List<double[]> targets = new ArrayList<>();
      for (int l = 0; l < layers; l++) {
        if (heads[l].length > 0) {
          masks.add(cg.encoder().headMask(l).asOutput());
          targets.add(heads[l]);
        }
        masks.add(cg.encoder().ffnMask(l).asOutput());
        targets.add(neurons[l]);
      }
      Output<?>[] grads = g.addGradients(loss.asOutput(), masks.toArray(Output<?>[]::new));
      try (Session s = new Session(g)) {
        cg.load(s, model.encoderWeights(), model.headKernel().values(), model.headBias().values(), model.wideValues());
        for (int from = 0; from < tokenIds.size(); from += batchSize) {
          int to = Math.min(tokenIds.size(), from + batchSize);
          TokenBatch b = TokenBatch.of(tokenIds.subList(from, to));
          Shape shape = Shape.of(b.size(), b.seqLen());
          try (var ids = TInt32.tensorOf(shape, DataBuffers.of(b.inputWordIds(), true, false));
              var mask = TInt32.tensorOf(shape, DataBuffers.of(b.inputMask(), true, false));
              var types = TInt32.tensorOf(shape, DataBuffers.of(b.inputTypeIds(), true, false));
              var y = TInt32.vectorOf(Arrays.copyOfRange(labels, from, to))) {
            Session.Runner run = s.runner().feed(cg.encoder().inputWordIds(), ids).feed(cg.encoder().inputMask(), mask)
                .feed(cg.encoder().inputTypeIds(), types).feed(labelIds, y);
            for (Output<?> gr : grads) run.fetch(gr);
            try (Result r = run.run()) {
              for (int i = 0; i < grads.length; i++) {
                TFloat32 t = (TFloat32) r.get(i);
                double[] acc = targets.get(i);
                for (int j = 0; j < acc.length; j++) acc[j] += Math.abs(t.getFloat(j));
              }
            }
          }
        }
      }
    }
    return new Importance(heads, neurons);
  }

  /** Weight-magnitude importance ({@link #headImportance}, {@link #neuronImportance}): needs no data. */
  public static Importance magnitudeImportance(PretrainedEncoder e) {
    return new Importance(headImportance(e), neuronImportance(e));
  }

  /** Each layer's head importance, [layer][head]. */
  public static double[][] headImportance(PretrainedEncoder e) {
    BertConfig c = e.config();
    int d = c.headSize();
    double[][] out = new double[c.numHiddenLayers()][];
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      int heads = c.layerShape(l).numAttentionHeads();
      out[l] = new double[heads];
      if (heads == 0) continue;
      String p = BertConfig.layerPrefix(l);
      EncoderWeights.Weight value = e.weights().get(p + "attention/self/value/kernel"); // [H, a]
      EncoderWeights.Weight valueBias = e.weights().get(p + "attention/self/value/bias"); // [a]
      EncoderWeights.Weight output = e.weights().get(p + "attention/output/dense/kernel"); // [a, H]
      for (int h = 0; h < heads; h++) {
        double in = columnsSquared(value, h * d, (h + 1) * d) + entriesSquared(valueBias, h * d, (h + 1) * d);
        out[l][h] = Math.sqrt(in) * Math.sqrt(rowsSquared(output, h * d, (h + 1) * d));
      }
    }
    return out;
  }

  /** Each layer's feed-forward neuron importance, [layer][neuron]. */
  public static double[][] neuronImportance(PretrainedEncoder e) {
    BertConfig c = e.config();
    double[][] out = new double[c.numHiddenLayers()][];
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      int n = c.layerShape(l).intermediateSize();
      String p = BertConfig.layerPrefix(l);
      EncoderWeights.Weight in = e.weights().get(p + "intermediate/dense/kernel"); // [H, ffn]
      EncoderWeights.Weight inBias = e.weights().get(p + "intermediate/dense/bias"); // [ffn]
      EncoderWeights.Weight outW = e.weights().get(p + "output/dense/kernel"); // [ffn, H]
      out[l] = new double[n];
      for (int j = 0; j < n; j++) {
        out[l][j] = Math.sqrt(columnsSquared(in, j, j + 1) + entriesSquared(inBias, j, j + 1)) * Math.sqrt(rowsSquared(outW, j, j + 1));
      }
    }
    return out;
  }

  /**
   * The plan that removes {@code headFraction} of all heads and {@code ffnFraction} of all neurons
   * (rounded to whole units), the least important first, spent as {@code scope} says.
   */
  public static Plan plan(double[][] headImportance, double[][] neuronImportance, double headFraction, double ffnFraction, Scope scope) {
    return new Plan(keep(headImportance, headFraction, scope, 0), keep(neuronImportance, ffnFraction, scope, 1));
  }

  /**
   * The kept units of each layer. {@code minPerLayer} units of each layer are never removed (a layer
   * keeps at least that many, however the global ranking falls).
   */
  static List<int[]> keep(double[][] importance, double fraction, Scope scope, int minPerLayer) {
    if (!(fraction >= 0 && fraction < 1)) throw new IllegalArgumentException("fraction removed must be in [0, 1), got " + fraction);
    int layers = importance.length;
    boolean[][] removed = new boolean[layers][];
    for (int l = 0; l < layers; l++) removed[l] = new boolean[importance[l].length];
    if (scope == Scope.LAYER) {
      for (int l = 0; l < layers; l++) {
        int n = importance[l].length, drop = Math.min((int) Math.round(fraction * n), Math.max(0, n - minPerLayer));
        Integer[] order = order(importance[l]);
        for (int i = 0; i < drop; i++) removed[l][order[i]] = true;
      }
    } else {
      List<int[]> units = new ArrayList<>(); // (layer, index)
      List<Double> scores = new ArrayList<>();
      int total = 0;
      for (int l = 0; l < layers; l++) {
        double norm = Math.sqrt(Arrays.stream(importance[l]).map(v -> v * v).sum());
        for (int i = 0; i < importance[l].length; i++) {
          units.add(new int[] {l, i});
          scores.add(norm > 0 ? importance[l][i] / norm : 0);
        }
        total += importance[l].length;
      }
      Integer[] order = new Integer[units.size()];
      for (int i = 0; i < order.length; i++) order[i] = i;
      Arrays.sort(order, Comparator.comparingDouble(scores::get)); // stable: ties go by layer, then index
      int drop = (int) Math.round(fraction * total);
      int[] left = Arrays.stream(importance).mapToInt(a -> a.length).toArray();
      for (int i = 0, dropped = 0; i < order.length && dropped < drop; i++) {
        int[] u = units.get(order[i]);
        if (left[u[0]] <= minPerLayer) continue;
        removed[u[0]][u[1]] = true;
        left[u[0]]--;
        dropped++;
      }
    }
    List<int[]> kept = new ArrayList<>();
    for (int l = 0; l < layers; l++) {
      int[] k = new int[importance[l].length];
      int n = 0;
      for (int i = 0; i < k.length; i++) if (!removed[l][i]) k[n++] = i;
      kept.add(Arrays.copyOf(k, n));
    }
    return kept;
  }

  private static Integer[] order(double[] scores) {
    Integer[] order = new Integer[scores.length];
    for (int i = 0; i < order.length; i++) order[i] = i;
    Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
    return order;
  }

  /** The encoder with only the plan's heads and neurons: weights sliced, layer shapes recorded. */
  public static PretrainedEncoder apply(PretrainedEncoder e, Plan plan) {
    BertConfig c = e.config();
    int layers = c.numHiddenLayers(), d = c.headSize();
    if (plan.heads().size() != layers || plan.neurons().size() != layers) {
      throw new IllegalArgumentException("a plan for " + plan.heads().size() + " layers, the encoder has " + layers);
    }
    List<BertConfig.LayerShape> shapes = new ArrayList<>();
    for (int l = 0; l < layers; l++) shapes.add(new BertConfig.LayerShape(plan.heads().get(l).length, plan.neurons().get(l).length));
    BertConfig pruned = c.withLayerShapes(shapes);
    Map<String, EncoderWeights.Weight> out = new LinkedHashMap<>();
    for (EncoderParameter p : pruned.parameters()) {
      EncoderWeights.Weight w = e.weights().get(p.name());
      if (p.block() == EncoderParameter.Block.LAYER) {
        int[] headCols = units(plan.heads().get(p.layer()), d), neurons = plan.neurons().get(p.layer());
        String n = p.name().substring(BertConfig.layerPrefix(p.layer()).length());
        if (n.startsWith("attention/self/") && n.endsWith("/kernel")) w = columns(w, headCols);
        else if (n.startsWith("attention/self/") && n.endsWith("/bias")) w = columns(w, headCols);
        else if (n.equals("attention/output/dense/kernel")) w = rows(w, headCols);
        else if (n.equals("intermediate/dense/kernel") || n.equals("intermediate/dense/bias")) w = columns(w, neurons);
        else if (n.equals("output/dense/kernel")) w = rows(w, neurons);
      }
      if (!w.shape().equals(p.shape())) throw new IllegalStateException(p.name() + ": sliced to " + w.shape() + ", expected " + p.shape());
      out.put(p.name(), w);
    }
    return new PretrainedEncoder(pruned, EncoderWeights.of(out));
  }

  /** The columns of whole heads: head h covers columns h*d .. h*d+d-1. */
  private static int[] units(int[] heads, int d) {
    int[] cols = new int[heads.length * d];
    for (int i = 0; i < heads.length; i++) for (int j = 0; j < d; j++) cols[i * d + j] = heads[i] * d + j;
    return cols;
  }

  /** The given columns (last axis) of a matrix or vector. */
  private static EncoderWeights.Weight columns(EncoderWeights.Weight w, int[] cols) {
    long[] dims = w.shape().asArray();
    int width = (int) dims[dims.length - 1], rows = (int) (w.values().length / Math.max(1, width));
    float[] v = new float[rows * cols.length];
    for (int r = 0; r < rows; r++) for (int i = 0; i < cols.length; i++) v[r * cols.length + i] = w.values()[r * width + cols[i]];
    dims[dims.length - 1] = cols.length;
    return new EncoderWeights.Weight(Shape.of(dims), v);
  }

  /** The given rows of a [rows, cols] matrix. */
  private static EncoderWeights.Weight rows(EncoderWeights.Weight w, int[] rows) {
    int width = (int) w.shape().size(1);
    float[] v = new float[rows.length * width];
    for (int i = 0; i < rows.length; i++) System.arraycopy(w.values(), rows[i] * width, v, i * width, width);
    return new EncoderWeights.Weight(Shape.of(rows.length, width), v);
  }

  private static double columnsSquared(EncoderWeights.Weight w, int from, int to) {
    int width = (int) w.shape().size(1), rows = (int) w.shape().size(0);
    double s = 0;
    for (int r = 0; r < rows; r++) for (int c = from; c < to; c++) s += (double) w.values()[r * width + c] * w.values()[r * width + c];
    return s;
  }

  private static double entriesSquared(EncoderWeights.Weight v, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) s += (double) v.values()[i] * v.values()[i];
    return s;
  }

  private static double rowsSquared(EncoderWeights.Weight w, int from, int to) {
    int width = (int) w.shape().size(1);
    double s = 0;
    for (int i = from * width; i < to * width; i++) s += (double) w.values()[i] * w.values()[i];
    return s;
  }
}
