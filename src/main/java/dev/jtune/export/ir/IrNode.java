package dev.jtune.export.ir;

import java.util.List;
import java.util.Map;

/**
 * One operation of the inference computation: its kind, input and output tensor names and the
 * attributes its kind defines. {@code source} names the graph node it was lowered from, for
 * error messages.
 */
public record IrNode(String source, OpKind kind, List<String> inputs, List<String> outputs, Map<String, Object> attrs) {
  public IrNode {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    attrs = Map.copyOf(attrs);
  }

  public String input(int i) {
    return inputs.get(i);
  }

  public String output() {
    return outputs.get(0);
  }

  public boolean flag(String attr) {
    return Boolean.TRUE.equals(attrs.get(attr));
  }

  public int intAttr(String attr, int defaultValue) {
    Object v = attrs.get(attr);
    return v == null ? defaultValue : ((Number) v).intValue();
  }
}
