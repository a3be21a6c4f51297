package dev.jtune.export;

import dev.jtune.artifact.ClassifierTensors;
import dev.jtune.model.ClassifierGraph;
import dev.jtune.model.TrainedClassifier;
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
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The clean inference graph of a trained classifier, with its weights loaded: the {@link
 * ClassifierGraph} (the encoder without dropout, the pooling and head of {@code classifier.json})
 * and nothing else. It is built in a scratch graph, then only the nodes the outputs need (and the variables) are copied into a
 * fresh graph whose variables are restored from a checkpoint of the scratch session, so no
 * initializer, assign or training op survives. Owns its Graph and Session.
 */
public final class InferenceModel implements AutoCloseable {
  private static final List<String> OUTPUTS = List.of(ClassifierTensors.LOGITS, ClassifierTensors.PROBABILITIES);

  private final Graph graph;
  private final Session session;
  private final int numLabels;

  private InferenceModel(Graph graph, Session session, int numLabels) {
    this.graph = graph;
    this.session = session;
    this.numLabels = numLabels;
  }

  public static InferenceModel of(TrainedRun run) {
    return of(run.model());
  }

  /**
   * Builds the inference graph of a trained classifier ({@link ClassifierGraph}: the encoder without
   * dropout, the pooling and head of its {@code classifier.json}) with its values loaded.
   */
  public static InferenceModel of(TrainedClassifier trained) {
    int labels = trained.classifier().numLabels();
    Path checkpoint = null;
    GraphDef clean;
    try (Graph scratch = new Graph()) {
      ClassifierGraph classifier = ClassifierGraph.build(scratch, trained.config(), trained.classifier());
      try (Session s = new Session(scratch)) {
        classifier.load(s, trained.encoderWeights(), trained.headKernel().values(), trained.headBias().values(), trained.wideValues());
        checkpoint = Files.createTempDirectory("jtune-inference-");
        s.save(checkpoint.resolve("ckpt").toString());
      }
      clean = reachable(scratch.toGraphDef(), OUTPUTS);
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
    GraphDef clean = reachable(graph.toGraphDef(), OUTPUTS);
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
      result = reachable(scratch.toGraphDef(), OUTPUTS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return restored(result, checkpoint, numLabels);
  }

  /**
   * A fresh graph of {@code clean} whose variables are restored from {@code checkpoint} (then
   * deleted). When the restore fails, the session is closed before the graph: a graph waits for
   * its sessions to close, so closing it first would block for good.
   */
  static InferenceModel restored(GraphDef clean, Path checkpoint, int labels) {
    Graph g = new Graph();
    Session s = null;
    try {
      g.importGraphDef(clean);
      s = new Session(g);
      s.restore(checkpoint.resolve("ckpt").toString());
      return new InferenceModel(g, s, labels);
    } catch (RuntimeException e) {
      if (s != null) s.close();
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
    Signature.Builder b = Signature.builder().key(ClassifierTensors.SIGNATURE_KEY).methodName(ClassifierTensors.PREDICT_METHOD);
    for (String in : ClassifierTensors.INPUTS) b.input(in, graph.outputOrThrow(in));
    for (String out : OUTPUTS) b.output(out, graph.outputOrThrow(out));
    return b.build();
  }

  /** Public input name -> placeholder op, as the graph lowering wants them. */
  public Map<String, String> inputOps() {
    Map<String, String> m = new LinkedHashMap<>();
    ClassifierTensors.INPUTS.forEach(i -> m.put(i, i));
    return m;
  }

  /** Public output name -> tensor. */
  public Map<String, String> outputTensors() {
    Map<String, String> m = new LinkedHashMap<>();
    OUTPUTS.forEach(o -> m.put(o, o + ":0"));
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
      try (Result r = session.runner().feed(ClassifierTensors.INPUT_WORD_IDS, i).feed(ClassifierTensors.INPUT_MASK, m)
          .feed(ClassifierTensors.INPUT_TYPE_IDS, t).fetch(ClassifierTensors.PROBABILITIES).run()) {
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
