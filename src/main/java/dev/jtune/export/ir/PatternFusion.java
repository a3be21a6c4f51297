package dev.jtune.export.ir;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites that let runtimes use their fused kernels: a DENSE followed by the addition of a
 * constant bias vector becomes one DENSE with a bias, and the exact GELU subgraph
 * {@code 0.5 * x * (1 + erf(x / sqrt(2)))} (in any association order) becomes one GELU. Nodes
 * and constants nothing reads any more are dropped.
 */
final class PatternFusion {
  private static final double INV_SQRT2 = 1 / Math.sqrt(2);

  private final InferenceIr ir;
  private final Map<String, IrNode> producer = new HashMap<>();
  private final Map<String, List<IrNode>> consumers;
  private final Set<String> graphOutputs = new HashSet<>();
  private final Map<IrNode, IrNode> replaced = new HashMap<>();

  private PatternFusion(InferenceIr ir) {
    this.ir = ir;
    for (IrNode n : ir.nodes()) for (String o : n.outputs()) producer.put(o, n);
    consumers = ir.consumers();
    ir.outputs().forEach(o -> graphOutputs.add(o.name()));
  }

  static InferenceIr apply(InferenceIr ir) {
    return new PatternFusion(ir).run();
  }

  private InferenceIr run() {
    for (IrNode n : ir.nodes()) if (n.kind() == OpKind.DENSE) fuseBias(n);
    List<IrNode> nodes = new ArrayList<>();
    for (IrNode n : ir.nodes()) nodes.add(replaced.getOrDefault(n, n));
    nodes = fuseGelu(nodes);
    return prune(nodes);
  }

  private void fuseBias(IrNode dense) {
    IrNode add = singleConsumer(dense.output());
    if (add == null || add.kind() != OpKind.ADD) return;
    String other = add.input(0).equals(dense.output()) ? add.input(1) : add.input(0);
    if (!ir.isConstant(other)) return;
    long[] bias = ir.constant(other).shape();
    long[] kernel = ir.constant(dense.input(1)).shape();
    if (bias.length != 1 || bias[0] != kernel[1]) return;
    IrNode fused = new IrNode(dense.source(), OpKind.DENSE, List.of(dense.input(0), dense.input(1), other), add.outputs(), Map.of());
    replaced.put(dense, fused);
    replaced.put(add, null);
  }

  private List<IrNode> fuseGelu(List<IrNode> nodes) {
    Map<String, IrNode> prod = new HashMap<>();
    for (IrNode n : nodes) if (n != null) for (String o : n.outputs()) prod.put(o, n);
    Map<IrNode, IrNode> swap = new HashMap<>();
    for (IrNode erf : nodes) {
      if (erf == null || erf.kind() != OpKind.ERF) continue;
      IrNode scale = prod.get(erf.input(0));
      String x = scaledInput(scale);
      if (x == null) continue;
      IrNode onePlus = singleConsumer(erf.output());
      if (onePlus == null || onePlus.kind() != OpKind.ADD || !isConstantOther(onePlus, erf.output(), 1.0)) continue;
      // climb the chain of multiplications until its factors are exactly {x, 0.5, 1 + erf(...)}
      IrNode root = singleConsumer(onePlus.output());
      while (root != null && root.kind() == OpKind.MUL) {
        List<String> factors = new ArrayList<>();
        if (flatten(root, prod, root, factors) && isGeluFactors(factors, x, onePlus.output())) {
          swap.put(root, new IrNode(root.source(), OpKind.GELU, List.of(x), root.outputs(), Map.of("approximate", false)));
          break;
        }
        root = graphOutputs.contains(root.output()) ? null : singleConsumer(root.output());
      }
    }
    List<IrNode> out = new ArrayList<>();
    for (IrNode n : nodes) if (n != null) out.add(swap.getOrDefault(n, n));
    return out;
  }

  /** x for x * (1/sqrt2) or x / sqrt2, else null. */
  private String scaledInput(IrNode n) {
    if (n == null) return null;
    if (n.kind() == OpKind.MUL) {
      if (isScalar(n.input(1), INV_SQRT2)) return n.input(0);
      if (isScalar(n.input(0), INV_SQRT2)) return n.input(1);
    }
    if (n.kind() == OpKind.DIV && isScalar(n.input(1), Math.sqrt(2))) return n.input(0);
    return null;
  }

  /** Collects the factors of a product, expanding inner MULs read only by this product. */
  private boolean flatten(IrNode mul, Map<String, IrNode> prod, IrNode root, List<String> factors) {
    for (String in : mul.inputs()) {
      IrNode p = prod.get(in);
      if (p != null && p.kind() == OpKind.MUL && singleConsumer(in) == mul && !graphOutputs.contains(in) && factors.size() < 4) {
        if (!flatten(p, prod, root, factors)) return false;
      } else {
        factors.add(in);
      }
      if (factors.size() > 3) return false;
    }
    return true;
  }

  private boolean isGeluFactors(List<String> factors, String x, String onePlusErf) {
    if (factors.size() != 3) return false;
    List<String> rest = new ArrayList<>(factors);
    if (!rest.remove(x) || !rest.remove(onePlusErf)) {
      // the inner multiplication may already hold x (x * 0.5 computed first): expanded above
      return false;
    }
    return isScalar(rest.get(0), 0.5);
  }

  private boolean isConstantOther(IrNode add, String self, double value) {
    String other = add.input(0).equals(self) ? add.input(1) : add.input(0);
    return isScalar(other, value);
  }

  private boolean isScalar(String tensor, double value) {
    if (!ir.isConstant(tensor)) return false;
    ConstantTensor c = ir.constant(tensor);
    return c.size() == 1 && Math.abs(c.scalarValue() - value) <= 1e-6 * Math.max(1, Math.abs(value));
  }

  private IrNode singleConsumer(String tensor) {
    List<IrNode> c = consumers.get(tensor);
    return c != null && c.size() == 1 && !graphOutputs.contains(tensor) ? c.get(0) : null;
  }

  /** Drops nodes whose outputs nothing reads and constants nothing reads. */
  private InferenceIr prune(List<IrNode> nodes) {
    Set<String> needed = new HashSet<>(graphOutputs);
    List<IrNode> kept = new ArrayList<>();
    for (int i = nodes.size() - 1; i >= 0; i--) {
      IrNode n = nodes.get(i);
      if (n.outputs().stream().anyMatch(needed::contains)) {
        kept.add(0, n);
        needed.addAll(n.inputs());
      }
    }
    Map<String, ConstantTensor> constants = new LinkedHashMap<>();
    ir.constants().forEach((k, v) -> {
      if (needed.contains(k)) constants.put(k, v);
    });
    Map<String, TensorSpec> specs = new LinkedHashMap<>();
    for (IrNode n : kept) for (String o : n.outputs()) specs.put(o, ir.spec(o));
    return new InferenceIr(ir.inputs(), ir.outputs(), constants, kept, specs);
  }
}
