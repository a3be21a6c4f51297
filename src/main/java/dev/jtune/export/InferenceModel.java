package dev.jtune.export;

import dev.jtune.artifact.Pooling;

import dev.jtune.train.TrainedRun;
import dev.jtune.model.BertConfig;
import dev.jtune.model.BertEncoder;
import dev.jtune.model.EncoderWeights;
import dev.jtune.train.ClassifierHead;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The clean inference graph of a trained classifier, with its weights loaded: the encoder built
 * without dropout, the pooling and head of {@code classifier.json}, and nothing else. It is built
 * in a scratch graph, then only the nodes the outputs need (and the variables) are copied into a
 * fresh graph whose variables are restored from a checkpoint of the scratch session, so no
 * initializer, assign or training op survives. Owns its Graph and Session.
 */
public final class InferenceModel implements AutoCloseable {
  public static final String LOGITS = "logits";
  public static final String PROBABILITIES = "probabilities";
  public static final List<String> INPUTS = List.of(BertEncoder.INPUT_WORD_IDS, BertEncoder.INPUT_MASK, BertEncoder.INPUT_TYPE_IDS);
  /** The method name TF Serving's Predict API expects. */
  public static final String PREDICT_METHOD = "tensorflow/serving/predict";

  private final Graph graph;
  private final Session session;
  private final int numLabels;

  private InferenceModel(Graph graph, Session session, int numLabels) {
    this.graph = graph;
    this.session = session;
    this.numLabels = numLabels;
  }

  public static InferenceModel of(TrainedRun run) {
    return build(run.config(), run.classifier().pooling(), run.classifier().layers(), run.encoderWeights(),
        run.headKernel(), run.headBias());
  }

  /** A head over the last layer only. */
  public static InferenceModel build(BertConfig config, Pooling pooling, EncoderWeights encoder,
      EncoderWeights.Weight kernel, EncoderWeights.Weight bias) {
    return build(config, pooling, 1, encoder, kernel, bias);
  }

  /**
   * Builds the inference graph for these weights; {@code pooling} is cls or mean, applied to each
   * of the top {@code layers} encoder layers exactly as in training ({@link ClassifierHead}).
   */
  public static InferenceModel build(BertConfig config, Pooling pooling, int layers, EncoderWeights encoder,
      EncoderWeights.Weight kernel, EncoderWeights.Weight bias) {
    int labels = (int) bias.shape().get(0);
    Path checkpoint = null;
    GraphDef clean;
    try (Graph scratch = new Graph()) {
      BertEncoder enc = BertEncoder.build(scratch, config, BertEncoder.Options.inference());
      Ops tf = Ops.create(scratch);
      Operand<TFloat32> pooled = ClassifierHead.pooled(enc, pooling, layers);
      Ops head = tf.withSubScope("classifier");
      Variable<TFloat32> k = head.withName("kernel").variable(head.withInitScope().zeros(head.withInitScope().constant(kernel.shape()), TFloat32.class));
      Variable<TFloat32> b = head.withName("bias").variable(head.withInitScope().zeros(head.withInitScope().constant(bias.shape()), TFloat32.class));
      Operand<TFloat32> logits = tf.withName(LOGITS).nn.biasAdd(tf.linalg.matMul(pooled, k), b);
      tf.withName(PROBABILITIES).nn.softmax(logits);
      Placeholder<TFloat32> kv = tf.placeholder(TFloat32.class);
      Placeholder<TFloat32> bv = tf.placeholder(TFloat32.class);
      var assignK = tf.assign(k, kv);
      var assignB = tf.assign(b, bv);
      try (Session s = new Session(scratch)) {
        s.initialize();
        enc.assign(s, encoder);
        try (TFloat32 kt = TFloat32.tensorOf(kernel.shape(), DataBuffers.of(kernel.values(), true, false));
             TFloat32 bt = TFloat32.tensorOf(bias.shape(), DataBuffers.of(bias.values(), true, false))) {
          s.runner().feed(kv, kt).feed(bv, bt).addTarget(assignK).addTarget(assignB).run().close();
        }
        checkpoint = Files.createTempDirectory("jtune-inference-");
        s.save(checkpoint.resolve("ckpt").toString());
      }
      clean = reachable(scratch.toGraphDef(), List.of(LOGITS, PROBABILITIES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return restored(clean, checkpoint, labels);
  }

  /**
   * A copy whose dense layers store and multiply in bfloat16 ({@link Bfloat16Rewrite}); the
   * caller closes it.
   */
  public InferenceModel toBfloat16() {
    GraphDef clean = reachable(graph.toGraphDef(), List.of(LOGITS, PROBABILITIES));
    Bfloat16Rewrite.Rewritten rw = Bfloat16Rewrite.apply(clean);
    List<String> vars = clean.getNodeList().stream().filter(n -> n.getOp().equals("VariableV2")).map(NodeDef::getName).toList();
    Path checkpoint = null;
    GraphDef result;
    Session.Runner fetch = session.runner();
    vars.forEach(fetch::fetch);
    try (Result values = fetch.run(); Graph scratch = new Graph()) {
      scratch.importGraphDef(rw.graph());
      Ops tf = Ops.create(scratch);
      List<Placeholder<TFloat32>> feeds = new ArrayList<>();
      List<org.tensorflow.op.Op> assigns = new ArrayList<>();
      for (String v : vars) {
        Placeholder<TFloat32> ph = tf.placeholder(TFloat32.class);
        feeds.add(ph);
        assigns.add(rw.bf16Variables().contains(v)
            ? tf.assign(scratch.outputOrThrow(v).expect(org.tensorflow.types.TBfloat16.class), tf.dtypes.cast(ph, org.tensorflow.types.TBfloat16.class))
            : tf.assign(scratch.outputOrThrow(v).expect(TFloat32.class), ph));
      }
      try (Session s = new Session(scratch)) {
        Session.Runner run = s.runner();
        for (int i = 0; i < vars.size(); i++) run.feed(feeds.get(i), values.get(i)).addTarget(assigns.get(i));
        run.run().close();
        checkpoint = Files.createTempDirectory("jtune-inference-");
        s.save(checkpoint.resolve("ckpt").toString());
      }
      result = reachable(scratch.toGraphDef(), List.of(LOGITS, PROBABILITIES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return restored(result, checkpoint, numLabels);
  }

  /** A fresh graph of {@code clean} whose variables are restored from {@code checkpoint} (then deleted). */
  private static InferenceModel restored(GraphDef clean, Path checkpoint, int labels) {
    Graph g = new Graph();
    try {
      g.importGraphDef(clean);
      Session s = new Session(g);
      s.restore(checkpoint.resolve("ckpt").toString());
      return new InferenceModel(g, s, labels);
    } catch (RuntimeException e) {
      g.close();
      throw e;
    } finally {
      deleteTree(checkpoint);
    }
  }

  /** The nodes {@code outputs} depend on, without control edges to anything left out. */
  static GraphDef reachable(GraphDef gd, List<String> outputs) {
    Map<String, NodeDef> byName = new LinkedHashMap<>();
    gd.getNodeList().forEach(n -> byName.put(n.getName(), n));
    Set<String> keep = new HashSet<>();
    ArrayDeque<String> todo = new ArrayDeque<>(outputs);
    while (!todo.isEmpty()) {
      String n = todo.pop();
      if (!keep.add(n)) continue;
      for (String in : byName.get(n).getInputList()) {
        if (in.startsWith("^")) continue;
        int colon = in.indexOf(':');
        todo.push(colon < 0 ? in : in.substring(0, colon));
      }
    }
    GraphDef.Builder out = gd.toBuilder().clearNode();
    for (NodeDef n : gd.getNodeList()) {
      if (!keep.contains(n.getName())) continue;
      NodeDef.Builder b = n.toBuilder().clearInput();
      for (String in : n.getInputList()) if (!in.startsWith("^") || keep.contains(in.substring(1))) b.addInput(in);
      out.addNode(b);
    }
    return out.build();
  }

  public Graph graph() {
    return graph;
  }

  public Session session() {
    return session;
  }

  public int numLabels() {
    return numLabels;
  }

  /** {@code serving_default}: the three int32 inputs to logits and probabilities, Predict method. */
  public Signature servingSignature() {
    Signature.Builder b = Signature.builder().key(BertEncoder.SIGNATURE_KEY).methodName(PREDICT_METHOD);
    for (String in : INPUTS) b.input(in, graph.outputOrThrow(in));
    return b.output(LOGITS, graph.outputOrThrow(LOGITS)).output(PROBABILITIES, graph.outputOrThrow(PROBABILITIES)).build();
  }

  /** Public input name -> placeholder op, as the graph lowering wants them. */
  public Map<String, String> inputOps() {
    Map<String, String> m = new LinkedHashMap<>();
    INPUTS.forEach(i -> m.put(i, i));
    return m;
  }

  /** Public output name -> tensor. */
  public Map<String, String> outputTensors() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(LOGITS, LOGITS + ":0");
    m.put(PROBABILITIES, PROBABILITIES + ":0");
    return m;
  }

  /** Class probabilities [rows][labels] for a padded batch of token rows (row-major [rows, seqLen]). */
  public float[][] probabilities(int rows, int seqLen, int[] ids, int[] mask, int[] types) {
    Shape shape = Shape.of(rows, seqLen);
    List<Tensor> in = new ArrayList<>();
    try {
      TInt32 i = TInt32.tensorOf(shape, DataBuffers.of(ids, true, false));
      in.add(i);
      TInt32 m = TInt32.tensorOf(shape, DataBuffers.of(mask, true, false));
      in.add(m);
      TInt32 t = TInt32.tensorOf(shape, DataBuffers.of(types, true, false));
      in.add(t);
      try (Result r = session.runner().feed(INPUTS.get(0), i).feed(INPUTS.get(1), m).feed(INPUTS.get(2), t).fetch(PROBABILITIES).run()) {
        float[] flat = new float[rows * numLabels];
        r.get(0).asRawTensor().data().asFloats().read(flat);
        float[][] out = new float[rows][numLabels];
        for (int row = 0; row < rows; row++) System.arraycopy(flat, row * numLabels, out[row], 0, numLabels);
        return out;
      }
    } finally {
      in.forEach(Tensor::close);
    }
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }

  private static void deleteTree(Path dir) {
    if (dir == null) return;
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a leftover temp checkpoint is harmless
    }
  }
}
