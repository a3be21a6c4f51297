package dev.jtune.model;

import dev.jtune.JtuneException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.ndarray.Shape;

/**
 * Values of an encoder's parameters, by BERT checkpoint name: what an ONNX import produces, what a
 * SavedModel load reads back and what {@link BertEncoder#assign} writes into a session. Held in
 * plain Java arrays (row-major), so it owns no native memory.
 */
public final class EncoderWeights {

  /** One parameter's value: shape and row-major float32 values. */
  public record Weight(Shape shape, float[] values) {
    public Weight {
      if (shape.size() != values.length) {
        throw new IllegalArgumentException("shape " + shape + " needs " + shape.size() + " values, got " + values.length);
      }
    }
  }

  private final Map<String, Weight> byName;

  private EncoderWeights(Map<String, Weight> byName) {
    this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
  }

  /** Weights from a name -> value map (kept in the map's iteration order). */
  public static EncoderWeights of(Map<String, Weight> byName) {
    return new EncoderWeights(byName);
  }

  public Set<String> names() {
    return byName.keySet();
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /** The value of {@code name}; an {@link IllegalArgumentException} if there is none. */
  public Weight get(String name) {
    Weight w = byName.get(name);
    if (w == null) throw new IllegalArgumentException("no weight named " + name);
    return w;
  }

  public Map<String, Weight> asMap() {
    return byName;
  }

  /**
   * Checks that these weights are exactly the parameters of {@code config} (every name present with
   * the shape of its layer, nothing extra), naming every problem; {@code source} names where they came from.
   */
  public void requireMatches(BertConfig config, String source) {
    List<String> problems = new ArrayList<>();
    Set<String> expected = new java.util.HashSet<>();
    for (EncoderParameter p : config.parameters()) {
      expected.add(p.name());
      Weight w = byName.get(p.name());
      if (w == null) problems.add("missing " + p.name());
      else if (!w.shape().equals(p.shape())) {
        problems.add(p.name() + " has shape " + w.shape() + ", expected " + p.shape());
      }
    }
    for (String n : byName.keySet()) if (!expected.contains(n)) problems.add("unexpected " + n);
    if (!problems.isEmpty()) {
      int shown = Math.min(5, problems.size());
      throw new JtuneException(
          source + ": weights do not fit the encoder config (" + problems.size() + " problems: "
              + String.join("; ", problems.subList(0, shown)) + (shown < problems.size() ? "; ..." : "") + ")");
    }
  }

  /** Largest absolute element-wise difference to {@code other} over the parameters both hold. */
  public double maxAbsDifference(EncoderWeights other) {
    double max = 0;
    for (var e : byName.entrySet()) {
      Weight o = other.byName.get(e.getKey());
      if (o == null) continue;
      float[] a = e.getValue().values(), b = o.values();
      for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
