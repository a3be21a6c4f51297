package dev.jtune.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClassificationMetricsTest {
  @Test
  void probabilitiesGiveArgmaxCountsAndMeanCrossEntropy() {
    float[][] p = {{0.9f, 0.1f}, {0.4f, 0.6f}, {0.2f, 0.8f}};
    ClassificationMetrics m = ClassificationMetrics.fromProbabilities(p, new int[] {0, 0, 1}, List.of("a", "b"));
    assertEquals(3, m.examples());
    assertEquals(2.0 / 3, m.accuracy(), 1e-12);
    assertArrayEquals(new long[] {1, 1}, m.confusion()[0]);
    assertArrayEquals(new long[] {0, 1}, m.confusion()[1]);
    assertEquals(-(Math.log(0.9f) + Math.log(0.4f) + Math.log(0.8f)) / 3, m.loss(), 1e-6);
    // class a: P 1, R 0.5, F1 2/3; class b: P 0.5, R 1, F1 2/3
    assertEquals(2.0 / 3, m.macroF1(), 1e-9);
  }
}
