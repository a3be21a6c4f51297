package dev.jtune.export.ir;

import dev.jtune.JtuneException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.TInt32;

/**
 * Lowers a TensorFlow inference graph to an {@link InferenceIr} by walking its GraphDef: every
 * node reachable from the outputs is either folded into a constant (variables, constants and
 * anything computed from them alone, evaluated by TensorFlow itself) or mapped by a rule to a
 * runtime-neutral {@link OpKind}. A node type without a rule is rejected with a message that names
 * the op and the node, so an exporter never writes a silently wrong model. Pattern rules then fuse
 * dense layers and the erf-GELU subgraph ({@link PatternFusion}).
 *
 * <p>With a {@link FixedShape} the graph inputs are taken to have that shape: every shape
 * computation folds into constants and every tensor gets a fully known shape (measured by running
 * the graph once on zero inputs), which is what runtimes with static shapes need.
 */
public final class GraphLowering {
  /** Batch and sequence length to fix the [-1, -1] graph inputs to. */
  public record FixedShape(int batch, int seqLen) {
    public FixedShape {
      if (batch < 1 || seqLen < 1) throw new IllegalArgumentException("fixed shape must be positive, got " + batch + "x" + seqLen);
    }
  }

  private static final Set<String> ALIASES = Set.of("Identity", "StopGradient", "Snapshot", "PreventGradient", "PlaceholderWithDefault");
  private static final Set<String> SOURCES = Set.of("Const", "VariableV2", "Variable");
  private static final Set<String> SHAPE_OF = Set.of("Shape", "Size", "Rank");

  private final Graph graph;
  private final Session session;
  private final Map<String, String> inputs;
  private final Map<String, String> outputs;
  private final FixedShape fixed;
  private final Map<String, NodeDef> defs = new HashMap<>();

  private GraphLowering(Graph graph, Session session, Map<String, String> inputs, Map<String, String> outputs, FixedShape fixed) {
    this.graph = graph;
    this.session = session;
    this.inputs = inputs;
    this.outputs = outputs;
    this.fixed = fixed;
  }

  /**
   * Lowers the computation from {@code inputs} (public name -> Placeholder op name) to
   * {@code outputs} (public name -> tensor name "op" or "op:i"). The session must hold the
   * variables' values. {@code fixed} may be null (dynamic batch and sequence axes).
   */
  public static InferenceIr lower(Graph graph, Session session, Map<String, String> inputs, Map<String, String> outputs, FixedShape fixed) {
    return new GraphLowering(graph, session, new LinkedHashMap<>(inputs), new LinkedHashMap<>(outputs), fixed).run();
  }

  private InferenceIr run() {
    GraphDef gd = graph.toGraphDef();
    for (NodeDef n : gd.getNodeList()) defs.put(n.getName(), n);
    for (String ph : inputs.values()) {
      NodeDef d = defs.get(ph);
      if (d == null || !d.getOp().equals("Placeholder")) throw new IllegalArgumentException("graph input " + ph + " is not a Placeholder");
    }
    List<String> order = topologicalOrder();

    // alias resolution and constant classification, in topological order
    Map<String, String> alias = new HashMap<>(); // tensor -> tensor it forwards
    Set<String> constantOps = new HashSet<>();
    Set<String> inputOps = new HashSet<>(inputs.values());
    for (String op : order) {
      NodeDef d = defs.get(op);
      String type = d.getOp();
      if (type.startsWith("Random") || type.equals("TruncatedNormal") || type.startsWith("Stateless")) {
        throw new JtuneException("the inference graph contains the random op '" + type + "' (node '" + op
            + "'): dropout or an initializer is wired into the served outputs; build the graph for inference");
      }
      if (type.equals("Placeholder")) {
        if (!inputOps.contains(op)) {
          throw new JtuneException("the inference graph needs a value for placeholder '" + op + "', which is not one of its inputs " + inputs.keySet());
        }
        continue;
      }
      if (ALIASES.contains(type)) {
        String in = tensorName(dataInputs(d).get(0));
        alias.put(op, resolve(alias, in));
        if (constantOps.contains(opOf(resolve(alias, in)))) constantOps.add(op);
        continue;
      }
      boolean constant = SOURCES.contains(type) || (fixed != null && SHAPE_OF.contains(type));
      if (!constant) {
        constant = true;
        for (String in : dataInputs(d)) constant &= constantOps.contains(opOf(resolve(alias, tensorName(in))));
      }
      if (constant) constantOps.add(op);
    }

    // tensors that must become IR constants: constant tensors read by a computed node
    Set<String> frontier = new java.util.LinkedHashSet<>();
    List<String> computed = new ArrayList<>();
    for (String op : order) {
      NodeDef d = defs.get(op);
      if (constantOps.contains(op) || inputOps.contains(op) || ALIASES.contains(d.getOp())) continue;
      computed.add(op);
      for (String in : dataInputs(d)) {
        String t = resolve(alias, tensorName(in));
        if (constantOps.contains(opOf(t))) frontier.add(t);
      }
    }
    for (var e : outputs.entrySet()) {
      String t = resolve(alias, tensorName(e.getValue()));
      if (constantOps.contains(opOf(t)) || inputOps.contains(opOf(t))) {
        throw new JtuneException("graph output '" + e.getKey() + "' does not depend on the inputs; nothing to export");
      }
    }

    Map<String, ConstantTensor> constants = new LinkedHashMap<>();
    Map<String, long[]> measuredShapes = new HashMap<>();
    evaluate(frontier, computed, constants, measuredShapes);

    // map computed nodes to IR nodes
    Map<String, TensorSpec> specs = new LinkedHashMap<>();
    List<TensorSpec> inputSpecs = new ArrayList<>();
    for (var e : inputs.entrySet()) {
      GraphOperation op = graph.operationOrThrow(e.getValue());
      TensorSpec s = new TensorSpec(irName(e.getValue() + ":0"), elementType(op.output(0).dataType(), e.getValue()),
          fixed != null ? new long[] {fixed.batch(), fixed.seqLen()} : dims(op.output(0).shape()));
      inputSpecs.add(s);
    }
    Map<String, TensorSpec> known = new HashMap<>();
    inputSpecs.forEach(sp -> known.put(sp.name(), sp));
    OpRules rules = new OpRules(constants, known, this::producer);
    List<IrNode> nodes = new ArrayList<>();
    for (String op : computed) {
      NodeDef d = defs.get(op);
      List<String> ins = new ArrayList<>();
      for (String in : dataInputs(d)) ins.add(irName(resolve(alias, tensorName(in))));
      GraphOperation gop = graph.operationOrThrow(op);
      List<String> outs = new ArrayList<>();
      for (int i = 0; i < gop.numOutputs(); i++) {
        String t = irName(op + ":" + i);
        outs.add(t);
        long[] shape = fixed != null ? measuredShapes.get(op + ":" + i) : dims(gop.output(i).shape());
        if (gop.output(i).dataType() == DataType.DT_FLOAT || gop.output(i).dataType() == DataType.DT_INT32) {
          specs.put(t, new TensorSpec(t, elementType(gop.output(i).dataType(), op), shape));
        }
      }
      for (String o : outs) if (specs.containsKey(o)) known.put(o, specs.get(o));
      int before = known.size();
      List<IrNode> lowered = rules.lower(d, ins, outs);
      nodes.addAll(lowered);
      // specs of the intermediate tensors a rule introduced
      if (known.size() > before) known.forEach((k, v) -> { if (!specs.containsKey(k) && !inputs.containsKey(k)) specs.put(k, v); });
    }
    for (IrNode n : nodes) {
      for (String out : n.outputs()) {
        if (!specs.containsKey(out)) {
          throw new JtuneException("node '" + n.source() + "' produces a tensor of a type other than float32/int32; not supported for export");
        }
      }
    }

    // public output names
    Map<String, String> rename = new HashMap<>();
    List<TensorSpec> outputSpecs = new ArrayList<>();
    for (var e : outputs.entrySet()) {
      String t = irName(resolve(alias, tensorName(e.getValue())));
      if (rename.containsKey(t)) throw new IllegalArgumentException("outputs " + rename.get(t) + " and " + e.getKey() + " are the same tensor");
      rename.put(t, e.getKey());
      outputSpecs.add(specs.get(t).renamed(e.getKey()));
    }
    List<IrNode> renamed = new ArrayList<>();
    for (IrNode n : nodes) {
      renamed.add(new IrNode(n.source(), n.kind(), n.inputs().stream().map(i -> rename.getOrDefault(i, i)).toList(),
          n.outputs().stream().map(o -> rename.getOrDefault(o, o)).toList(), n.attrs()));
    }
    Map<String, TensorSpec> renamedSpecs = new LinkedHashMap<>();
    specs.forEach((k, v) -> renamedSpecs.put(rename.getOrDefault(k, k), rename.containsKey(k) ? v.renamed(rename.get(k)) : v));
    InferenceIr raw = new InferenceIr(inputSpecs, outputSpecs, constants, renamed, renamedSpecs);
    return PatternFusion.apply(raw);
  }

  /** The graph node an IR tensor name comes from (output 0 of it), or null. */
  private NodeDef producer(String irTensor) {
    return defs.get(opOf(tensorName(irTensor)));
  }

  /** Fetches the frontier constants (and, with a fixed shape, the shape of every computed tensor). */
  private void evaluate(Set<String> frontier, List<String> computed, Map<String, ConstantTensor> constants, Map<String, long[]> shapes) {
    Session.Runner runner = session.runner();
    List<Tensor> feeds = new ArrayList<>();
    try {
      if (fixed != null) {
        for (String ph : inputs.values()) {
          // zeros: valid ids for every table, and the values never reach a folded constant
          TInt32 zeros = TInt32.tensorOf(Shape.of(fixed.batch(), fixed.seqLen()),
              org.tensorflow.ndarray.buffer.DataBuffers.of(new int[fixed.batch() * fixed.seqLen()], true, false));
          feeds.add(zeros);
          runner.feed(ph, zeros);
        }
      }
      List<String> fetched = new ArrayList<>(frontier);
      if (fixed != null) {
        for (String op : computed) {
          GraphOperation gop = graph.operationOrThrow(op);
          for (int i = 0; i < gop.numOutputs(); i++) fetched.add(op + ":" + i);
        }
      }
      if (fetched.isEmpty()) return;
      for (String t : fetched) runner.fetch(opOf(t), indexOf(t));
      try (Result r = runner.run()) {
        for (int i = 0; i < fetched.size(); i++) {
          String t = fetched.get(i);
          Tensor v = r.get(i);
          if (i < frontier.size()) constants.put(irName(t), TensorValues.constant(v, t));
          else shapes.put(t, v.shape().asArray());
        }
      }
    } finally {
      feeds.forEach(Tensor::close);
    }
  }

  private List<String> topologicalOrder() {
    List<String> order = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String t : outputs.values()) {
      String op = opOf(tensorName(t));
      if (!defs.containsKey(op)) throw new IllegalArgumentException("graph has no node " + op);
      visit(op, seen, new HashSet<>(), order);
    }
    return order;
  }

  private void visit(String op, Set<String> seen, Set<String> onPath, List<String> order) {
    // iterative to survive deep graphs (a 24-layer encoder has thousands of nodes in a chain)
    java.util.ArrayDeque<String[]> stack = new java.util.ArrayDeque<>();
    stack.push(new String[] {op, "0"});
    while (!stack.isEmpty()) {
      String[] top = stack.peek();
      String name = top[0];
      if (top[1].equals("0")) {
        if (seen.contains(name)) {
          stack.pop();
          continue;
        }
        seen.add(name);
        top[1] = "1";
        NodeDef d = defs.get(name);
        if (d == null) throw new IllegalArgumentException("graph has no node " + name);
        for (String in : dataInputs(d)) {
          String src = opOf(tensorName(in));
          if (!seen.contains(src)) stack.push(new String[] {src, "0"});
        }
      } else {
        stack.pop();
        order.add(name);
      }
    }
  }

  private static List<String> dataInputs(NodeDef d) {
    List<String> r = new ArrayList<>();
    for (String in : d.getInputList()) if (!in.startsWith("^")) r.add(in);
    return r;
  }

  private static String resolve(Map<String, String> alias, String tensor) {
    String op = opOf(tensor);
    String target = alias.get(op);
    return target != null && indexOf(tensor) == 0 ? target : tensor;
  }

  /** "op" -> "op:0"; "op:1" unchanged. */
  static String tensorName(String input) {
    return input.contains(":") ? input : input + ":0";
  }

  static String opOf(String tensor) {
    int i = tensor.lastIndexOf(':');
    return i < 0 ? tensor : tensor.substring(0, i);
  }

  static int indexOf(String tensor) {
    int i = tensor.lastIndexOf(':');
    return i < 0 ? 0 : Integer.parseInt(tensor.substring(i + 1));
  }

  /** IR tensor names: the op name for output 0, "op:i" otherwise. */
  static String irName(String tensor) {
    return indexOf(tensor) == 0 ? opOf(tensor) : tensor;
  }

  private static long[] dims(Shape s) {
    return s.isUnknown() ? null : s.asArray();
  }

  private static ElementType elementType(DataType t, String where) {
    return switch (t) {
      case DT_FLOAT -> ElementType.FLOAT32;
      case DT_INT32 -> ElementType.INT32;
      default -> throw new JtuneException("tensor '" + where + "' has type " + t + "; export supports float32 and int32 tensors");
    };
  }

  static AttrValue attr(NodeDef d, String name) {
    AttrValue v = d.getAttrMap().get(name);
    return v == null ? AttrValue.getDefaultInstance() : v;
  }
}
