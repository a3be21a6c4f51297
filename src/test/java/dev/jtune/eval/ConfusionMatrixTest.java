package dev.jtune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {
  private static final double EPS = 1e-12;

  @Test
  void binaryMetricsMatchHandComputedCounts() {
    // true ham: 8 right, 2 called spam; true spam: 1 called ham, 4 right
    ConfusionMatrix m = ConfusionMatrix.ofCounts(new long[][] {{8, 2}, {1, 4}});
    assertEquals(12.0 / 15, m.accuracy(), EPS);
    assertEquals(8.0 / 9, m.precision(0), EPS);
    assertEquals(8.0 / 10, m.recall(0), EPS);
    assertEquals(4.0 / 6, m.precision(1), EPS);
    assertEquals(4.0 / 5, m.recall(1), EPS);
    double f0 = 2 * (8.0 / 9) * 0.8 / (8.0 / 9 + 0.8);
    double f1 = 2 * (4.0 / 6) * 0.8 / (4.0 / 6 + 0.8);
    assertEquals(f0, m.f1(0), EPS);
    assertEquals(f1, m.f1(1), EPS);
    assertEquals((f0 + f1) / 2, m.macroF1(), EPS);
  }

  @Test
  void classNeverPredictedHasZeroPrecisionAndF1AndCountsInMacroAverage() {
    int[] truth = {0, 0, 0, 1, 1, 2, 2, 2};
    int[] pred = {0, 0, 1, 1, 1, 0, 1, 1}; // class 2 never predicted
    ConfusionMatrix m = ConfusionMatrix.of(3, truth, pred);
    assertEquals(2, m.count(0, 0));
    assertEquals(2, m.count(2, 1));
    assertEquals(0, m.predictedCount(2));
    assertEquals(0.0, m.precision(2), EPS);
    assertEquals(0.0, m.recall(2), EPS);
    assertEquals(0.0, m.f1(2), EPS);
    assertEquals(4.0 / 8, m.accuracy(), EPS);
    // class 0: p = 2/3, r = 2/3 -> f1 2/3; class 1: p = 2/5, r = 1 -> f1 = 4/7
    assertEquals(2.0 / 3, m.f1(0), EPS);
    assertEquals(4.0 / 7, m.f1(1), EPS);
    assertEquals((2.0 / 3 + 4.0 / 7 + 0) / 3, m.macroF1(), EPS);
    assertEquals(3, m.support(2));
  }

  @Test
  void perClassMetricsCarryLabelsAndSupport() {
    ConfusionMatrix m = ConfusionMatrix.ofCounts(new long[][] {{3, 1}, {0, 2}});
    List<ConfusionMatrix.ClassMetrics> pc = m.perClass(List.of("ham", "spam"));
    assertEquals("spam", pc.get(1).label());
    assertEquals(4, pc.get(0).support());
    assertEquals(2.0 / 3, pc.get(1).precision(), EPS);
    assertEquals(1.0, pc.get(1).recall(), EPS);
  }
}
