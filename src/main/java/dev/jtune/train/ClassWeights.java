package dev.jtune.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.jtune.JtuneException;
import java.util.List;

/**
 * How much each class counts in the training loss ({@code loss.class_weights}): {@code "none"} (every
 * class 1), {@code "balanced"} (inverse class frequency in train) or a JSON list with one weight per
 * label, in the order of labels.txt. The JSON forms are those of the config file and the saved
 * {@code config.json}; {@link #resolve} turns them into numbers once, from the train labels.
 */
public sealed interface ClassWeights {
  /** Every class weighs 1: the plain mean over the batch. */
  ClassWeights NONE = new None();
  /** {@code n / (C * count_c)} from the train split. */
  ClassWeights BALANCED = new Balanced();

  /** Every class weighs 1. */
  record None() implements ClassWeights {
    @Override
    public Object json() {
      return "none";
    }

    @Override
    public float[] resolve(int numLabels, int[] trainLabels) {
      return null;
    }
  }

  /** Inverse class frequency in train. */
  record Balanced() implements ClassWeights {
    @Override
    public Object json() {
      return "balanced";
    }

    @Override
    public float[] resolve(int numLabels, int[] trainLabels) {
      long[] counts = new long[numLabels];
      long labeled = 0;
      for (int l : trainLabels) {
        if (l < 0) continue; // unlabeled (distillation's soft labels only)
        counts[l]++;
        labeled++;
      }
      float[] weights = new float[numLabels];
      for (int i = 0; i < numLabels; i++) weights[i] = counts[i] == 0 ? 0f : (float) labeled / (numLabels * counts[i]);
      return weights;
    }
  }

  /** One given weight per label, in the order of labels.txt. */
  record PerLabel(List<Double> weights) implements ClassWeights {
    public PerLabel {
      weights = List.copyOf(weights);
      if (weights.isEmpty() || !weights.stream().allMatch(w -> Double.isFinite(w) && w > 0)) throw refused(weights);
    }

    @Override
    public Object json() {
      return weights;
    }

    @Override
    public float[] resolve(int numLabels, int[] trainLabels) {
      if (weights.size() != numLabels) throw new IllegalArgumentException(weights.size() + " class weights for " + numLabels + " labels");
      float[] out = new float[numLabels];
      for (int i = 0; i < numLabels; i++) out[i] = weights.get(i).floatValue();
      return out;
    }
  }

  /** The JSON form: {@code "none"}, {@code "balanced"} or the list of weights. */
  @JsonValue
  Object json();

  /**
   * The weight of each class for a train split with these labels, or null when every class weighs 1
   * (the loss is then the plain mean).
   */
  float[] resolve(int numLabels, int[] trainLabels);

  /**
   * Checks these weights against the dataset's labels: a list needs one weight per label. A run
   * calls this before it writes anything.
   */
  default void requireFits(List<String> labels) {
    if (this instanceof PerLabel p && p.weights().size() != labels.size()) {
      int n = p.weights().size();
      throw new JtuneException("loss.class_weights has " + n + (n == 1 ? " value" : " values") + " but the dataset has "
          + labels.size() + " labels " + labels + "; give one weight per label, in the order of labels.txt");
    }
  }

  /** Reads the JSON form; anything else is refused naming the field and its forms. */
  @JsonCreator
  static ClassWeights of(Object json) {
    if ("none".equals(json) || json == null) return NONE;
    if ("balanced".equals(json)) return BALANCED;
    if (json instanceof List<?> list && !list.isEmpty()
        && list.stream().allMatch(v -> v instanceof Number n && Double.isFinite(n.doubleValue()) && n.doubleValue() > 0)) {
      return new PerLabel(list.stream().map(v -> ((Number) v).doubleValue()).toList());
    }
    throw refused(json);
  }

  private static JtuneException refused(Object json) {
    return new JtuneException("training config field loss.class_weights = " + json
        + ": must be none, balanced or a list of finite positive numbers, one per label");
  }
}
