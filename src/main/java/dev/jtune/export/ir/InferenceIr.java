package dev.jtune.export.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The inference computation in a runtime-neutral form, from which the TFLite and ONNX writers
 * work: named graph inputs and outputs, constants (weights already folded in), and nodes in
 * topological order. Every tensor has a {@link TensorSpec}.
 */
public final class InferenceIr {
  private final List<TensorSpec> inputs;
  private final List<TensorSpec> outputs;
  private final Map<String, ConstantTensor> constants;
  private final List<IrNode> nodes;
  private final Map<String, TensorSpec> tensors;

  public InferenceIr(List<TensorSpec> inputs, List<TensorSpec> outputs, Map<String, ConstantTensor> constants,
      List<IrNode> nodes, Map<String, TensorSpec> tensors) {
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    this.constants = Collections.unmodifiableMap(new LinkedHashMap<>(constants));
    this.nodes = List.copyOf(nodes);
    this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    validate();
  }

  private void validate() {
    Map<String, Boolean> defined = new HashMap<>();
    inputs.forEach(t -> defined.put(t.name(), true));
    constants.keySet().forEach(n -> defined.put(n, true));
    for (IrNode n : nodes) {
      for (String in : n.inputs()) {
        if (!defined.containsKey(in)) {
          throw new IllegalStateException("node " + n.source() + " (" + n.kind() + ") reads " + in + " before it is defined");
        }
      }
      for (String out : n.outputs()) {
        if (!tensors.containsKey(out)) throw new IllegalStateException("tensor " + out + " has no spec");
        defined.put(out, true);
      }
    }
    for (TensorSpec o : outputs) {
      if (!defined.containsKey(o.name())) throw new IllegalStateException("graph output " + o.name() + " is never computed");
    }
  }

  public List<TensorSpec> inputs() {
    return inputs;
  }

  public List<TensorSpec> outputs() {
    return outputs;
  }

  public Map<String, ConstantTensor> constants() {
    return constants;
  }

  public List<IrNode> nodes() {
    return nodes;
  }

  public TensorSpec spec(String tensor) {
    TensorSpec s = tensors.get(tensor);
    if (s == null) {
      ConstantTensor c = constants.get(tensor);
      if (c != null) return c.spec(tensor);
      for (TensorSpec in : inputs) if (in.name().equals(tensor)) return in;
      throw new IllegalArgumentException("unknown tensor " + tensor);
    }
    return s;
  }

  public boolean isConstant(String tensor) {
    return constants.containsKey(tensor);
  }

  public ConstantTensor constant(String tensor) {
    ConstantTensor c = constants.get(tensor);
    if (c == null) throw new IllegalArgumentException(tensor + " is not a constant");
    return c;
  }

  /** How many nodes of each kind, for reports and tests. */
  public Map<OpKind, Integer> histogram() {
    Map<OpKind, Integer> h = new TreeMap<>();
    for (IrNode n : nodes) h.merge(n.kind(), 1, Integer::sum);
    return h;
  }

  /** Total number of constant values (parameters plus small shape constants). */
  public long constantValueCount() {
    long n = 0;
    for (ConstantTensor c : constants.values()) n += c.size();
    return n;
  }

  /** Nodes reading each tensor. */
  public Map<String, List<IrNode>> consumers() {
    Map<String, List<IrNode>> m = new HashMap<>();
    for (IrNode n : nodes) for (String in : n.inputs()) m.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
    return m;
  }
}
