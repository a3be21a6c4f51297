package dev.jtune.model;

import dev.jtune.artifact.ClassifierTensors;
import dev.jtune.artifact.Pooling;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The classification head: {@code logits = pooled @ classifier/kernel + classifier/bias} and
 * {@code probabilities = softmax(logits)}, plus the pooling that turns the encoder's token vectors
 * into {@code pooled} ({@code cls} or {@code mean}, then the encoder's own dense pooler if it has one).
 * With {@code layers} K > 1, {@code pooled} is the concatenation of the pooled vectors of the top K
 * encoder layers (lowest first, the last layer's last), so the kernel is [K * H, C]. A wide-and-deep
 * head adds the logits of a {@link WideLinear} part over the input's token ids and bigrams.
 */
public final class ClassifierHead {
  /** The head's variable names ({@link ClassifierTensors#HEAD_KERNEL}, {@link ClassifierTensors#HEAD_BIAS}). */
  public static final String KERNEL = ClassifierTensors.HEAD_KERNEL;
  public static final String BIAS = ClassifierTensors.HEAD_BIAS;
  /** The wide part's table ({@link WideLinear#TABLE}). */
  public static final String WIDE = ClassifierTensors.HEAD_WIDE;
  private static final double INIT_STDDEV = 0.02;

  private final Variable<TFloat32> kernel;
  private final Variable<TFloat32> bias;
  private final WideLinear wide; // null without a wide part
  private final Operand<TFloat32> logits;
  private final Operand<TFloat32> probabilities;

  /**
   * The inputs and size of a head's wide part: int32 [B, S] token ids and mask, the encoder's
   * vocabulary size and the number of bigram buckets (see {@link WideLinear}).
   */
  public record WideInputs(Operand<TInt32> wordIds, Operand<TInt32> mask, int vocabSize, int buckets) {
    public WideInputs {
      java.util.Objects.requireNonNull(wordIds, "wordIds");
      java.util.Objects.requireNonNull(mask, "mask");
      if (vocabSize < 1 || buckets < 1) throw new IllegalArgumentException("vocab size and buckets must be >= 1, got " + vocabSize + ", " + buckets);
    }
  }

  private ClassifierHead(Variable<TFloat32> kernel, Variable<TFloat32> bias, WideLinear wide, Operand<TFloat32> logits,
      Operand<TFloat32> probabilities) {
    this.kernel = kernel;
    this.bias = bias;
    this.wide = wide;
    this.logits = logits;
    this.probabilities = probabilities;
  }

  /** The vector the head classifies: [CLS] or masked mean, then the encoder's dense pooler if any. */
  public static Operand<TFloat32> pooled(BertEncoder encoder, Pooling pooling) {
    return pooled(encoder, pooling, 1);
  }

  /**
   * The pooled vectors of the top {@code layers} encoder layers concatenated, [batch, layers * H]:
   * layer L-K first, the last layer (after the encoder's dense pooler, if any) last. One layer is
   * exactly {@link #pooled(BertEncoder, Pooling)}. Lower layers carry more lexical detail, which a
   * frozen encoder's last layer has partly abstracted away.
   */
  public static Operand<TFloat32> pooled(BertEncoder encoder, Pooling pooling, int layers) {
    return pooled(encoder, pooling, layers, null);
  }

  /**
   * {@link #pooled(BertEncoder, Pooling, int)} over an encoder built from a layer on ({@link
   * BertEncoder#buildFrom}): the pooled vectors of the head's layers below {@link
   * BertEncoder#firstLayer()} come in as {@code lowerLayers} [batch, n * H] (lowest first, as {@link
   * #layerPooled} computes them; null when there are none) and go first.
   */
  public static Operand<TFloat32> pooled(BertEncoder encoder, Pooling pooling, int layers, Operand<TFloat32> lowerLayers) {
    int total = encoder.config().numHiddenLayers();
    if (layers < 1 || layers > total) {
      throw new IllegalArgumentException("layers must be in [1, " + total + "], got " + layers);
    }
    int lower = Math.max(0, encoder.firstLayer() - (total - layers));
    if ((lower > 0) != (lowerLayers != null)) {
      throw new IllegalArgumentException(lower + " of the head's layers lie below the graph's first layer, but lower-layer features "
          + (lowerLayers == null ? "are missing" : "were given"));
    }
    Operand<TFloat32> last = encoder.applyPooler(switch (pooling) {
      case CLS -> encoder.clsOutput();
      case MEAN -> encoder.meanOutput();
    });
    if (layers == 1) return last;
    Ops tf = Ops.create(encoder.graph()).withSubScope("head_features");
    List<Operand<TFloat32>> parts = new ArrayList<>();
    if (lowerLayers != null) parts.add(lowerLayers);
    PoolingInputs inputs = PoolingInputs.of(tf, encoder);
    for (int l = total - layers + lower; l < total - 1; l++) parts.add(layerPooled(tf, encoder, pooling, l, inputs));
    parts.add(last);
    return tf.concat(parts, tf.constant(1));
  }

  /**
   * [batch, (to - from) * H]: the token vectors leaving layers {@code from..to-1}, each pooled ([CLS]
   * or masked mean; no dense pooler, which only the last layer gets) and concatenated lowest first:
   * the part of {@link #pooled} that comes from those layers.
   */
  public static Operand<TFloat32> layersPooled(Ops tf, BertEncoder encoder, Pooling pooling, int from, int to) {
    if (from < 0 || to <= from || to >= encoder.config().numHiddenLayers()) {
      throw new IllegalArgumentException("layers " + from + ".." + (to - 1) + " are not below the last layer");
    }
    PoolingInputs inputs = PoolingInputs.of(tf, encoder);
    List<Operand<TFloat32>> parts = new ArrayList<>();
    for (int l = from; l < to; l++) parts.add(layerPooled(tf, encoder, pooling, l, inputs));
    return parts.size() == 1 ? parts.get(0) : tf.concat(parts, tf.constant(1));
  }

  /** The [B, S, H] shape, the mask [B, S, 1] and the real-token count [B, 1] of pooling a layer, built once per graph. */
  private record PoolingInputs(Operand<TInt32> seqShape, Operand<TFloat32> mask, Operand<TFloat32> count) {
    static PoolingInputs of(Ops tf, BertEncoder encoder) {
      // [B, S] from the mask, not the shape of the last layer's output: a shape op needs its input
      // computed, so that would run every layer even when only lower ones are pooled (the layer cache's pass)
      Operand<TInt32> seqShape = tf.concat(List.of(tf.shape(encoder.inputMask()), tf.constant(new int[] {encoder.config().hiddenSize()})),
          tf.constant(0));
      Operand<TFloat32> mask = tf.expandDims(tf.dtypes.cast(encoder.inputMask(), TFloat32.class), tf.constant(-1));
      return new PoolingInputs(seqShape, mask, tf.math.maximum(tf.reduceSum(mask, tf.constant(1)), tf.constant(1f)));
    }
  }

  private static Operand<TFloat32> layerPooled(Ops tf, BertEncoder encoder, Pooling pooling, int layer, PoolingInputs in) {
    Operand<TFloat32> tokens = tf.reshape(encoder.layerOutput(layer), in.seqShape());
    if (pooling == Pooling.CLS) return tf.stridedSlice(tokens, Indices.all(), Indices.at(0), Indices.all());
    return tf.math.div(tf.reduceSum(tf.math.mul(tokens, in.mask()), tf.constant(1)), in.count());
  }

  /**
   * Adds the head over {@code features} [batch, hidden]. The kernel starts from a truncated normal
   * drawn in Java from {@code seed}, so the same seed gives the same head on every platform. With
   * {@code wide} (null = none), the logits are the dense layer's plus those of a {@link WideLinear}
   * part over those token inputs.
   */
  public static ClassifierHead build(Ops tf, Operand<TFloat32> features, int hidden, int numLabels, long seed, WideInputs wide) {
    Ops scope = tf.withSubScope(scopeOf(KERNEL));
    float[] init = new float[hidden * numLabels];
    Random r = new Random(seed);
    for (int i = 0; i < init.length; i++) {
      double g;
      do {
        g = r.nextGaussian();
      } while (Math.abs(g) > 2); // truncated at two standard deviations, as BERT initializes
      init[i] = (float) (g * INIT_STDDEV);
    }
    Variable<TFloat32> kernel;
    try (TFloat32 k = TFloat32.tensorOf(Shape.of(hidden, numLabels), DataBuffers.of(init, true, false))) {
      kernel = scope.withName(leafOf(KERNEL)).variable(scope.withInitScope().constant(k));
    }
    Variable<TFloat32> bias = scope.withName(leafOf(BIAS)).variable(scope.withInitScope().zeros(scope.withInitScope().constant(new long[] {numLabels}), TFloat32.class));
    Operand<TFloat32> logits;
    WideLinear widePart = null;
    if (wide == null) {
      logits = tf.withName(ClassifierTensors.LOGITS).nn.biasAdd(tf.linalg.matMul(features, kernel), bias);
    } else {
      widePart = WideLinear.build(scope, wide.wordIds(), wide.mask(), wide.vocabSize(), wide.buckets(), numLabels);
      logits = tf.withName(ClassifierTensors.LOGITS).math.add(tf.nn.biasAdd(tf.linalg.matMul(features, kernel), bias), widePart.logits());
    }
    Operand<TFloat32> probabilities = tf.withName(ClassifierTensors.PROBABILITIES).nn.softmax(logits);
    return new ClassifierHead(kernel, bias, widePart, logits, probabilities);
  }

  /** "classifier" of "classifier/kernel": TF-Java scopes take no '/', so the name is built in two parts. */
  private static String scopeOf(String variable) {
    return variable.substring(0, variable.indexOf('/'));
  }

  /** "kernel" of "classifier/kernel": the name a variable gets inside its scope. */
  static String leafOf(String variable) {
    return variable.substring(variable.indexOf('/') + 1);
  }

  public Variable<TFloat32> kernel() {
    return kernel;
  }

  public Variable<TFloat32> bias() {
    return bias;
  }

  /** The wide part's table, when the head has one. */
  public java.util.Optional<Variable<TFloat32>> wideTable() {
    return java.util.Optional.ofNullable(wide).map(WideLinear::table);
  }

  public Operand<TFloat32> logits() {
    return logits;
  }

  public Operand<TFloat32> probabilities() {
    return probabilities;
  }
}
