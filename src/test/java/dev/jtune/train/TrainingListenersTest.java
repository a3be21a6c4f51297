package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.eval.ClassificationMetrics;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The loop's bookkeeping and its listeners, on scripted steps and validations (no graph). */
class TrainingListenersTest {
  static final List<String> LABELS = List.of("a", "b");

  /** Metrics of accuracy {@code right} / 4 (each row's probability of its label 0.9 or 0.2). */
  static ClassificationMetrics accuracy(int right) {
    float[][] p = new float[4][];
    for (int i = 0; i < 4; i++) p[i] = i < right ? new float[] {0.9f, 0.1f} : new float[] {0.2f, 0.8f};
    return ClassificationMetrics.fromProbabilities(p, new int[4], LABELS);
  }

  /** Runs {@code steps} one-batch optimizer steps through {@code listeners}; each StepEnd is returned. */
  static List<StepEnd> run(TrainingProgress p, int steps, int stepsPerEpoch, List<TrainingListener> listeners) {
    return run(p, steps, stepsPerEpoch, Long.MAX_VALUE, listeners);
  }

  static List<StepEnd> run(TrainingProgress p, int steps, int stepsPerEpoch, long totalSteps, List<TrainingListener> listeners) {
    List<StepEnd> ends = new ArrayList<>();
    for (int i = 0; i < steps && !p.stoppedEarly(); i++) {
      int epoch = p.epoch(), b = p.batchInEpoch();
      boolean epochEnd = b == stepsPerEpoch - 1;
      p.addBatch(1f + i, 8, 1_000_000);
      p.completeStep(0.01, epochEnd ? epoch + 1 : epoch, epochEnd ? 0 : b + 1);
      StepEnd end = new StepEnd(p, epoch, epochEnd, p.step() == totalSteps, 0.01);
      listeners.forEach(l -> l.onStep(end));
      ends.add(end);
    }
    return ends;
  }

  static ValidationListener validation(String metric, int everySteps, List<ClassificationMetrics> script) {
    Deque<ClassificationMetrics> queue = new ArrayDeque<>(script);
    TrainingConfig.Validation v = TrainerTest.config(Map.of("validation.metric", metric, "validation.every_steps", everySteps))
        .validation();
    return new ValidationListener(queue::removeFirst, v, new DivergenceGuard(Path.of("last.ckpt"), -1));
  }

  @Test
  void validationAtEpochEndsRecordsHistoryAndPicksTheBest() {
    TrainingProgress p = TrainingProgress.resume(TrainerState.start());
    var listener = validation("accuracy", 0, List.of(accuracy(2), accuracy(3), accuracy(3)));
    List<StepEnd> ends = run(p, 6, 2, List.of(listener));
    assertEquals(List.of(false, true, false, true, false, true), ends.stream().map(e -> e.validation().isPresent()).toList());
    assertEquals(List.of(false, true, false, true, false, false), ends.stream().map(StepEnd::improved).toList(),
        "the first validation and a strictly better one improve; an equal one does not");
    assertTrue(ends.stream().allMatch(e -> e.checkpointRequested() == e.validation().isPresent()), "every validation is checkpointed");
    TrainerState s = p.snapshot();
    assertEquals(0.75, s.bestMetric());
    assertEquals(4, s.bestStep());
    assertEquals(1, s.badValidations());
    assertEquals(List.of(2L, 4L, 6L), s.history().stream().map(TrainerState.HistoryRow::step).toList());
    assertEquals(List.of(0, 1, 2), s.history().stream().map(TrainerState.HistoryRow::epoch).toList());
    assertEquals((5 + 6) / 2.0, s.history().get(2).trainLoss(), "mean loss of the micro-batches since the last validation");
    assertEquals(8 / 1e-3, s.history().get(2).seqPerSecond(), 1e-6);
    assertEquals(0, s.batchesSinceValidation());
    assertEquals(3, s.epoch());
    assertEquals(0, s.batchInEpoch());
  }

  @Test
  void validationEveryNStepsAndAtTheLastStepAndLowerLossIsBetter() {
    ValidationListener listener = validation("loss", 2, List.of());
    assertEquals(List.of(false, true, false, true, true), List.of(listener.due(1, false, false), listener.due(2, false, false),
        listener.due(3, true, false), listener.due(4, false, false), listener.due(5, false, true)),
        "every 2 steps, at the last step, not at an epoch end");
    ValidationListener perEpoch = validation("loss", 0, List.of());
    assertEquals(List.of(false, true, true), List.of(perEpoch.due(1, false, false), perEpoch.due(2, true, false),
        perEpoch.due(3, false, true)), "at epoch ends and the last step");
    TrainingProgress p = TrainingProgress.resume(TrainerState.start());
    var better = validation("loss", 1, List.of(accuracy(2), accuracy(4)));
    List<StepEnd> ends = run(p, 2, 10, List.of(better));
    assertTrue(ends.get(1).improved(), "loss " + ends.get(1).validation().orElseThrow().loss() + " < " + ends.get(0).validation().orElseThrow().loss());
    assertEquals(ends.get(1).validation().orElseThrow().loss(), p.bestMetric());
  }

  @Test
  void aValidationLossThatIsNotFiniteStopsTheRun() {
    ClassificationMetrics nan = ClassificationMetrics.fromProbabilities(new float[][] {{Float.NaN, 0.5f}}, new int[] {0}, LABELS);
    TrainingProgress p = TrainingProgress.resume(TrainerState.start());
    TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
        () -> run(p, 1, 1, List.of(validation("macro_f1", 0, List.of(nan)))));
    assertEquals(1, e.step());
    assertTrue(e.getMessage().contains("the validation loss became NaN; no checkpoint had been written yet"), e.getMessage());
  }

  @Test
  void earlyStoppingStopsAfterPatienceValidationsWithoutImprovement() {
    TrainingProgress p = TrainingProgress.resume(TrainerState.start());
    var listeners = List.<TrainingListener>of(validation("accuracy", 1, List.of(accuracy(1), accuracy(2), accuracy(2), accuracy(3),
        accuracy(3), accuracy(1), accuracy(4))), new EarlyStopping(2));
    List<StepEnd> ends = run(p, 10, 100, listeners);
    assertEquals(6, ends.size(), "improved at 1, 2, 4; steps 5 and 6 do not improve: stopped after step 6");
    assertTrue(p.stoppedEarly());
    assertTrue(p.snapshot().stoppedEarly(), "the stop is saved");
    assertEquals(4, p.snapshot().bestStep());
  }

  @Test
  void periodicCheckpointsEveryNSteps() {
    TrainingProgress p = TrainingProgress.resume(TrainerState.start());
    List<StepEnd> ends = run(p, 7, 100, List.of(new PeriodicCheckpoint(3)));
    assertEquals(List.of(false, false, true, false, false, true, false), ends.stream().map(StepEnd::checkpointRequested).toList());
    assertFalse(ends.get(2).validation().isPresent());
  }

  @Test
  void aSnapshotResumesToTheSameState() {
    TrainingProgress p = TrainingProgress.resume(TrainerState.start());
    run(p, 5, 2, List.of(validation("accuracy", 0, List.of(accuracy(2), accuracy(1)))));
    p.addBatch(0.5f, 4, 10); // a micro-batch of an unfinished accumulated step is not part of the state
    TrainerState s = p.snapshot();
    assertEquals(s, TrainingProgress.resume(s).snapshot());
    assertEquals(5, s.curve().size());
    assertEquals(new TrainerState.CurvePoint(5, 5.0, 0.01), s.curve().get(4));
    assertEquals(5 + 0.5, s.lossSinceValidation(), "loss since the step-4 validation: step 5's and the pending micro-batch's");
  }
}
