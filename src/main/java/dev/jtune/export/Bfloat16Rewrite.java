package dev.jtune.export;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * Rewrites an inference GraphDef so its dense layers store and multiply in bfloat16: every float
 * VariableV2 read only as the weight operand of MatMul becomes a bfloat16 variable, the MatMul
 * runs in bfloat16 on a cast of its input, and its result is cast back to float32 for the bias,
 * LayerNorm, softmax and attention, which stay float32. oneDNN runs bfloat16 MatMul on AMX /
 * AVX-512 BF16 units; the variables take half the space.
 */
final class Bfloat16Rewrite {
  private Bfloat16Rewrite() {}

  /** The rewritten graph and the variables that became bfloat16. */
  record Rewritten(GraphDef graph, Set<String> bf16Variables) {}

  static Rewritten apply(GraphDef gd) {
    Map<String, NodeDef> byName = new HashMap<>();
    Map<String, List<String>> readers = new HashMap<>();
    for (NodeDef n : gd.getNodeList()) {
      byName.put(n.getName(), n);
      for (String in : n.getInputList()) readers.computeIfAbsent(opOf(in), k -> new java.util.ArrayList<>()).add(n.getName());
    }
    Set<String> vars = new HashSet<>();
    Set<String> matmuls = new HashSet<>();
    for (NodeDef n : gd.getNodeList()) {
      if (!n.getOp().equals("VariableV2") || n.getAttrMap().get("dtype").getType() != DataType.DT_FLOAT) continue;
      List<String> r = readers.getOrDefault(n.getName(), List.of());
      boolean onlyWeights = !r.isEmpty() && r.stream().allMatch(c -> {
        NodeDef m = byName.get(c);
        return m.getOp().equals("MatMul") && opOf(m.getInput(1)).equals(n.getName()) && !opOf(m.getInput(0)).equals(n.getName())
            && !m.getAttrMap().get("transpose_a").getB();
      });
      if (onlyWeights) {
        vars.add(n.getName());
        matmuls.addAll(r);
      }
    }
    AttrValue bf16 = AttrValue.newBuilder().setType(DataType.DT_BFLOAT16).build();
    AttrValue f32 = AttrValue.newBuilder().setType(DataType.DT_FLOAT).build();
    GraphDef.Builder out = gd.toBuilder().clearNode();
    for (NodeDef n : gd.getNodeList()) {
      NodeDef.Builder b = n.toBuilder();
      if (vars.contains(n.getName())) {
        b.putAttr("dtype", bf16);
        out.addNode(b);
        continue;
      }
      if (matmuls.contains(n.getName())) {
        out.addNode(NodeDef.newBuilder().setName(n.getName() + "/input_bf16").setOp("Cast").addInput(n.getInput(0))
            .putAttr("SrcT", f32).putAttr("DstT", bf16).putAttr("Truncate", AttrValue.newBuilder().setB(false).build()));
        b.setInput(0, n.getName() + "/input_bf16").putAttr("T", bf16);
        out.addNode(b);
        out.addNode(NodeDef.newBuilder().setName(n.getName() + "/float32").setOp("Cast").addInput(n.getName())
            .putAttr("SrcT", bf16).putAttr("DstT", f32).putAttr("Truncate", AttrValue.newBuilder().setB(false).build()));
        continue;
      }
      // readers of a rewritten MatMul now read its float32 cast
      for (int i = 0; i < b.getInputCount(); i++) {
        String in = b.getInput(i);
        if (!in.startsWith("^") && matmuls.contains(opOf(in)) && (in.indexOf(':') < 0 || in.endsWith(":0"))) {
          b.setInput(i, opOf(in) + "/float32");
        }
      }
      out.addNode(b);
    }
    return new Rewritten(out.build(), vars);
  }

  private static String opOf(String input) {
    String s = input.startsWith("^") ? input.substring(1) : input;
    int c = s.indexOf(':');
    return c < 0 ? s : s.substring(0, c);
  }
}
