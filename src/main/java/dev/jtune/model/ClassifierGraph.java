package dev.jtune.model;

import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.ClassifierTensors;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The inference graph of a jtune classifier, the one place it is built: the encoder without
 * dropout, the pooling of {@link ClassifierSpec} over its top {@code layers} layers and the {@link
 * ClassifierHead}, with {@code logits} and {@code probabilities} named as in {@link
 * ClassifierTensors}; with {@code wide_buckets} > 0 the head is wide-and-deep (its {@link WideLinear}
 * part reads the same {@code input_word_ids} and {@code input_mask}). The run's {@code model/} SavedModel ({@link ClassifierSavedModel}) and the
 * exporter's clean graph are both this graph with the trained values {@link #load loaded}.
 */
public final class ClassifierGraph {
  private final BertEncoder encoder;
  private final ClassifierHead head;
  private final int features;
  private final int numLabels;
  private final Placeholder<TFloat32> kernelValue;
  private final Placeholder<TFloat32> biasValue;
  private final Assign<TFloat32> kernelAssign;
  private final Assign<TFloat32> biasAssign;
  private final long wideRows; // 0 without a wide part
  private final Placeholder<TFloat32> wideValue;
  private final Assign<TFloat32> wideAssign;

  private ClassifierGraph(BertEncoder encoder, ClassifierHead head, int features, int numLabels, Placeholder<TFloat32> kernelValue,
      Placeholder<TFloat32> biasValue, Assign<TFloat32> kernelAssign, Assign<TFloat32> biasAssign, long wideRows,
      Placeholder<TFloat32> wideValue, Assign<TFloat32> wideAssign) {
    this.encoder = encoder;
    this.head = head;
    this.features = features;
    this.numLabels = numLabels;
    this.kernelValue = kernelValue;
    this.biasValue = biasValue;
    this.kernelAssign = kernelAssign;
    this.biasAssign = biasAssign;
    this.wideRows = wideRows;
    this.wideValue = wideValue;
    this.wideAssign = wideAssign;
  }

  /** Builds the classifier of {@code config} and {@code spec} into {@code graph} (which must not hold an encoder yet). */
  public static ClassifierGraph build(Graph graph, BertConfig config, ClassifierSpec spec) {
    return build(graph, config, spec, BertEncoder.Options.inference());
  }

  /** As {@link #build(Graph, BertConfig, ClassifierSpec)}, the encoder built with {@code options}. */
  public static ClassifierGraph build(Graph graph, BertConfig config, ClassifierSpec spec, BertEncoder.Options options) {
    BertEncoder encoder = BertEncoder.build(graph, config, options);
    Ops tf = Ops.create(graph);
    int features = spec.layers() * config.hiddenSize();
    int labels = spec.numLabels();
    // the head's random start is overwritten by load(); seed 0 keeps the graph the same every time
    ClassifierHead.WideInputs wide = spec.hasWidePart()
        ? new ClassifierHead.WideInputs(encoder.inputWordIds(), encoder.inputMask(), config.vocabSize(), spec.wideBuckets())
        : null;
    ClassifierHead head = ClassifierHead.build(tf, ClassifierHead.pooled(encoder, spec.pooling(), spec.layers()), features, labels, 0, wide);
    Placeholder<TFloat32> kernelValue = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(features, labels)));
    Placeholder<TFloat32> biasValue = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(labels)));
    Assign<TFloat32> kernelAssign = tf.assign(head.kernel(), kernelValue);
    Assign<TFloat32> biasAssign = tf.assign(head.bias(), biasValue);
    long wideRows = wide == null ? 0 : WideLinear.rows(config.vocabSize(), spec.wideBuckets());
    Placeholder<TFloat32> wideValue = wide == null ? null : tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(wideRows, labels)));
    Assign<TFloat32> wideAssign = wide == null ? null : tf.assign(head.wideTable().orElseThrow(), wideValue);
    return new ClassifierGraph(encoder, head, features, labels, kernelValue, biasValue, kernelAssign, biasAssign, wideRows, wideValue,
        wideAssign);
  }

  public BertEncoder encoder() {
    return encoder;
  }

  public ClassifierHead head() {
    return head;
  }

  /**
   * Initializes {@code session} (a session of this graph) and writes the trained values into the
   * encoder and the head; the head's values must be [layers * hidden, labels] and [labels]. A graph
   * with a wide part needs {@link #load(Session, EncoderWeights, float[], float[], float[])}.
   */
  public void load(Session session, EncoderWeights encoderWeights, float[] kernel, float[] bias) {
    load(session, encoderWeights, kernel, bias, null);
  }

  /**
   * As {@link #load(Session, EncoderWeights, float[], float[])}, with the wide part's table
   * [vocab + wide_buckets, labels] ({@code wide} null exactly when the graph has no wide part).
   */
  public void load(Session session, EncoderWeights encoderWeights, float[] kernel, float[] bias, float[] wide) {
    if (kernel.length != features * numLabels || bias.length != numLabels) {
      throw new IllegalArgumentException("head values of " + kernel.length + " + " + bias.length + " floats do not fit a ["
          + features + ", " + numLabels + "] kernel and a [" + numLabels + "] bias");
    }
    if ((wide == null) != (wideAssign == null) || (wide != null && wide.length != wideRows * numLabels)) {
      throw new IllegalArgumentException("wide values of " + (wide == null ? "none" : wide.length + " floats") + " do not fit "
          + (wideAssign == null ? "a head without a wide part" : "a [" + wideRows + ", " + numLabels + "] wide table"));
    }
    session.initialize();
    encoder.assign(session, encoderWeights);
    try (TFloat32 k = TFloat32.tensorOf(Shape.of(features, numLabels), DataBuffers.of(kernel, true, false));
        TFloat32 b = TFloat32.tensorOf(Shape.of(numLabels), DataBuffers.of(bias, true, false));
        TFloat32 w = wide == null ? null : TFloat32.tensorOf(Shape.of(wideRows, numLabels), DataBuffers.of(wide, true, false))) {
      Session.Runner run = session.runner().feed(kernelValue, k).feed(biasValue, b).addTarget(kernelAssign).addTarget(biasAssign);
      if (w != null) run.feed(wideValue, w).addTarget(wideAssign);
      run.run().close();
    }
  }

  /**
   * The {@code serving_default} signature: the three int32 encoder inputs to {@code logits} and
   * {@code probabilities} (no method name: the run's own model is read by jtune only; the export
   * adds TF Serving's).
   */
  public Signature servingSignature() {
    return Signature.builder().key(ClassifierTensors.SIGNATURE_KEY)
        .input(ClassifierTensors.INPUT_WORD_IDS, encoder.inputWordIds())
        .input(ClassifierTensors.INPUT_MASK, encoder.inputMask())
        .input(ClassifierTensors.INPUT_TYPE_IDS, encoder.inputTypeIds())
        .output(ClassifierTensors.LOGITS, head.logits())
        .output(ClassifierTensors.PROBABILITIES, head.probabilities())
        .build();
  }
}
