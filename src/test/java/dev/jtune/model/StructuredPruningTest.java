package dev.jtune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Structured pruning removes the least important heads and neurons: units whose output weights are
 * zero score 0, go first, and removing them (a whole layer's heads included) changes no output.
 */
class StructuredPruningTest {
  static final BertConfig TINY = BertEncoderTest.TINY; // 2 layers, 4 heads of 8, FFN 64

  /** Random weights with layer 0's head 1 and all of layer 1's heads silenced (output rows zero), and layer 0's neurons 1, 5, 9, ... too. */
  static EncoderWeights silenced() {
    Map<String, EncoderWeights.Weight> w = new LinkedHashMap<>(BertEncoderTest.randomWeights(TINY, 21).asMap());
    int d = TINY.headSize(), h = TINY.hiddenSize();
    zeroRows(w, "bert/encoder/layer_0/attention/output/dense/kernel", r -> r / d == 1, h);
    zeroRows(w, "bert/encoder/layer_1/attention/output/dense/kernel", r -> true, h);
    zeroRows(w, "bert/encoder/layer_0/output/dense/kernel", r -> r % 4 == 1, h);
    return EncoderWeights.of(w);
  }

  static void zeroRows(Map<String, EncoderWeights.Weight> w, String name, java.util.function.IntPredicate row, int width) {
    float[] v = w.get(name).values().clone();
    for (int i = 0; i < v.length; i++) if (row.test(i / width)) v[i] = 0;
    w.put(name, new EncoderWeights.Weight(w.get(name).shape(), v));
  }

  @Test
  void removingSilentHeadsAndNeuronsChangesNoOutputEvenAWholeLayersHeads() {
    PretrainedEncoder full = new PretrainedEncoder(TINY, silenced());
    StructuredPruning.Plan plan = StructuredPruning.plan(StructuredPruning.headImportance(full), StructuredPruning.neuronImportance(full),
        5 / 8.0, 16 / 128.0, StructuredPruning.Scope.GLOBAL);
    assertArrayEquals(new int[] {0, 2, 3}, plan.heads().get(0));
    assertEquals(0, plan.heads().get(1).length, "layer 1 loses every head");
    assertEquals(48, plan.neurons().get(0).length);
    assertTrue(java.util.Arrays.stream(plan.neurons().get(0)).noneMatch(j -> j % 4 == 1));
    assertEquals(64, plan.neurons().get(1).length);
    PretrainedEncoder pruned = StructuredPruning.apply(full, plan);
    assertEquals(List.of(new BertConfig.LayerShape(3, 48), new BertConfig.LayerShape(0, 64)), pruned.config().layerShapes());
    assertTrue(pruned.config().parameterCount() < TINY.parameterCount());
    assertTrue(!pruned.weights().contains("bert/encoder/layer_1/attention/self/query/kernel"), "no query kernel in a layer without heads");

    BertEncoderTest.TokenRows rows = BertEncoderTest.TokenRows.random(new Random(4), 3, 9, TINY.vocabSize());
    float[][] before = BertEncoderTest.forward(TINY, BertEncoder.Options.inference(), full.weights(), rows);
    float[][] after = BertEncoderTest.forward(pruned.config(), BertEncoder.Options.inference(), pruned.weights(), rows);
    assertArrayEquals(before[0], after[0], 1e-6f);
    assertArrayEquals(before[1], after[1], 1e-6f);
  }

  @Test
  void aPerLayerBudgetTakesTheSameShareOfEveryLayerAndAlwaysLeavesANeuron() {
    PretrainedEncoder full = new PretrainedEncoder(TINY, BertEncoderTest.randomWeights(TINY, 3));
    StructuredPruning.Plan plan = StructuredPruning.plan(StructuredPruning.headImportance(full), StructuredPruning.neuronImportance(full),
        0.5, 0.75, StructuredPruning.Scope.LAYER);
    assertEquals(List.of(2, 2), plan.heads().stream().map(h -> h.length).toList());
    assertEquals(List.of(16, 16), plan.neurons().stream().map(n -> n.length).toList());
    // the kept heads are the most important ones of their layer
    double[][] imp = StructuredPruning.headImportance(full);
    for (int l = 0; l < 2; l++) {
      int fl = l;
      double keptMin = java.util.Arrays.stream(plan.heads().get(l)).mapToDouble(h -> imp[fl][h]).min().orElseThrow();
      double droppedMax = java.util.stream.IntStream.range(0, 4).filter(h -> java.util.Arrays.stream(plan.heads().get(fl)).noneMatch(k -> k == h))
          .mapToDouble(h -> imp[fl][h]).max().orElseThrow();
      assertTrue(keptMin >= droppedMax, "layer " + l);
    }
    List<int[]> ffn = StructuredPruning.keep(new double[][] {{1, 2}, {3, 4}}, 0.99, StructuredPruning.Scope.GLOBAL, 1);
    assertEquals(List.of(1, 1), ffn.stream().map(k -> k.length).toList());
  }

  @Test
  void gradientImportanceScoresSilentUnitsZeroAndTheOthersAboveIt() {
    EncoderWeights w = silenced();
    java.util.List<String> labels = List.of("a", "b", "c");
    dev.jtune.artifact.ClassifierSpec spec = new dev.jtune.artifact.ClassifierSpec(dev.jtune.artifact.Pooling.MEAN, 2, labels, 64);
    Random r = new Random(8);
    float[] kernel = new float[2 * TINY.hiddenSize() * 3];
    for (int i = 0; i < kernel.length; i++) kernel[i] = (float) r.nextGaussian();
    TrainedClassifier model = new TrainedClassifier(TINY, spec, w, new EncoderWeights.Weight(org.tensorflow.ndarray.Shape.of(2L * TINY.hiddenSize(), 3),
        kernel), new EncoderWeights.Weight(org.tensorflow.ndarray.Shape.of(3), new float[3]), 0);
    java.util.List<int[]> ids = new java.util.ArrayList<>();
    int[] y = new int[40];
    for (int i = 0; i < 40; i++) {
      int[] t = new int[3 + r.nextInt(10)];
      t[0] = 2;
      for (int j = 1; j < t.length - 1; j++) t[j] = 4 + r.nextInt(90);
      t[t.length - 1] = 3;
      ids.add(t);
      y[i] = r.nextInt(3);
    }
    StructuredPruning.Importance imp = StructuredPruning.gradientImportance(model, ids, y, 16);
    assertEquals(0.0, imp.heads()[0][1]);
    for (int h = 0; h < 4; h++) assertEquals(0.0, imp.heads()[1][h], "layer 1 head " + h);
    for (int h : new int[] {0, 2, 3}) assertTrue(imp.heads()[0][h] > 0, "layer 0 head " + h);
    for (int j = 0; j < 64; j++) {
      if (j % 4 == 1) assertEquals(0.0, imp.neurons()[0][j], "neuron " + j);
      else assertTrue(imp.neurons()[0][j] > 0, "neuron " + j);
    }
  }
}
