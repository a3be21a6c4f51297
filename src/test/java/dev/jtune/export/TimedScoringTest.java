package dev.jtune.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.jtune.data.TokenBatch;
import dev.jtune.predict.Predictor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The parity timings, on a clock the predictor advances by one millisecond per row it runs. */
class TimedScoringTest {
  /** Probability of class 0 = real tokens / 100 of each row; every call takes one clock millisecond per row. */
  private static final class RowClockPredictor implements Predictor {
    final AtomicLong nanos = new AtomicLong();
    final List<Integer> calls = new ArrayList<>();

    @Override
    public float[] probabilities(TokenBatch batch) {
      calls.add(batch.size());
      nanos.addAndGet(1_000_000L * batch.size());
      float[] p = new float[2 * batch.size()];
      for (int i = 0; i < batch.size(); i++) {
        p[2 * i] = batch.length(i) / 100f;
        p[2 * i + 1] = 1 - p[2 * i];
      }
      return p;
    }

    @Override
    public void close() {}
  }

  @Test
  void fullBatchesAndSingleRowsAreTimedAndProbabilitiesComeBackInInputOrder() {
    int[] lengths = {9, 3, 12, 5, 7, 4, 11, 6, 10, 8};
    List<int[]> rows = new ArrayList<>();
    for (int len : lengths) rows.add(new int[len]);
    RowClockPredictor p = new RowClockPredictor();
    ArtifactScores s = TimedScoring.score(p, rows, 4, p.nanos::get);

    // warm-up (1 row), batches of 4 + 4 + 2 sorted by length, then each of the 10 rows alone
    assertEquals(List.of(1, 4, 4, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), p.calls);
    assertEquals(4.0, s.batchMsP50(), "median of the two full batches of 4 rows");
    assertEquals(1.0, s.batch1MsP50());
    assertEquals(4, s.batchSize());
    assertEquals(10 / 0.010, s.examplesPerSecond(), 1e-9, "10 rows in 10 clock milliseconds");
    for (int i = 0; i < lengths.length; i++) assertArrayEquals(new float[] {lengths[i] / 100f, 1 - lengths[i] / 100f}, s.probabilities()[i], "row " + i);
  }

  @Test
  void withoutAFullBatchThereIsNoBatchLatency() {
    RowClockPredictor p = new RowClockPredictor();
    ArtifactScores s = TimedScoring.score(p, List.of(new int[3], new int[5]), 8, p.nanos::get);
    assertNull(s.batchMsP50());
    assertEquals(1.0, s.batch1MsP50());
    assertEquals(2 / 0.002, s.examplesPerSecond(), 1e-9);
  }

  @Test
  void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
    assertEquals(2.5, TimedScoring.median(List.of(4.0, 1.0, 3.0, 2.0)));
    assertEquals(3.0, TimedScoring.median(List.of(5.0, 3.0, 1.0)));
    assertNull(TimedScoring.median(List.of()));
  }
}
