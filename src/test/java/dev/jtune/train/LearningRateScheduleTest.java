package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jtune.JtuneException;
import java.util.List;
import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
  private static final double EPS = 1e-15;

  @Test
  void warmupRampsLinearlyFromZeroToPeak() {
    for (ScheduleKind kind : ScheduleKind.values()) {
      LearningRateSchedule s = kind.create(2e-3, 1e-5, 10, 100);
      for (int step = 0; step < 10; step++) assertEquals(2e-3 * step / 10, s.rate(step), EPS, kind + " step " + step);
      assertEquals(2e-3, s.rate(10), EPS, kind + " reaches the peak when warmup ends");
    }
  }

  @Test
  void constantStaysAtPeak() {
    ConstantSchedule s = new ConstantSchedule(1e-3, 0);
    for (long step : new long[] {0, 1, 500, 1_000_000}) assertEquals(1e-3, s.rate(step), EPS);
  }

  @Test
  void linearDecayFollowsItsFormula() {
    double peak = 1e-3, min = 1e-4;
    LinearDecaySchedule s = new LinearDecaySchedule(peak, min, 20, 120);
    for (long step = 20; step <= 120; step++) {
      assertEquals(min + (peak - min) * (120.0 - step) / 100.0, s.rate(step), EPS, "step " + step);
    }
    assertEquals(peak - (peak - min) / 2, s.rate(70), EPS);
    assertEquals(min, s.rate(500), EPS);
  }

  @Test
  void cosineFollowsItsFormulaWithMinimum() {
    double peak = 5e-4, min = 5e-6;
    CosineSchedule s = new CosineSchedule(peak, min, 10, 110);
    for (long step = 10; step <= 110; step++) {
      double p = (step - 10) / 100.0;
      assertEquals(min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * p)), s.rate(step), EPS, "step " + step);
    }
    assertEquals((peak + min) / 2, s.rate(60), 1e-12, "half way the rate is the mean of peak and min");
    assertEquals(min, s.rate(110), EPS);
    assertEquals(min, s.rate(10_000), EPS);
  }

  @Test
  void warmupAsRatioOfTotalSteps() {
    assertEquals(60, LearningRateSchedule.warmupSteps(-1, 0.06, 1000));
    assertEquals(7, LearningRateSchedule.warmupSteps(7, 0.06, 1000), "explicit steps win over the ratio");
  }

  @Test
  void rejectsBadSettings() {
    assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(1e-3, 2e-3, 0, 10));
    assertThrows(IllegalArgumentException.class, () -> new LinearDecaySchedule(1e-3, 0, 20, 10));
  }

  @Test
  void everyKindIsNamedOnceAndBuildsItsOwnClass() {
    assertEquals(List.of("constant", "linear", "cosine"), ScheduleKind.names());
    assertEquals(new ConstantSchedule(1e-3, 5), ScheduleKind.CONSTANT.create(1e-3, 1e-5, 5, 50));
    assertEquals(new LinearDecaySchedule(1e-3, 1e-5, 5, 50), ScheduleKind.LINEAR.create(1e-3, 1e-5, 5, 50));
    assertEquals(new CosineSchedule(1e-3, 1e-5, 5, 50), ScheduleKind.COSINE.create(1e-3, 1e-5, 5, 50));
    assertEquals(ScheduleKind.COSINE, ScheduleKind.parse("cosine"));
    JtuneException e = assertThrows(JtuneException.class, () -> ScheduleKind.parse("step"));
    assertEquals("schedule.kind must be one of [constant, linear, cosine], got 'step'", e.getMessage());
  }
}
