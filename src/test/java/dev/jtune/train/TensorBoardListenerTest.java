package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.eval.TensorBoardLog;
import dev.jtune.eval.TfRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.SessionLog;
import org.tensorflow.proto.Summary;

class TensorBoardListenerTest {
  @TempDir Path dir;

  /** tag -> step -> value over the event files of a folder, read in name order as TensorBoard does, restarts applied. */
  static Map<String, TreeMap<Long, Float>> scalars(Path folder) throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.list(folder)) {
      files = s.sorted().toList();
    }
    Map<String, TreeMap<Long, Float>> out = new TreeMap<>();
    for (Path f : files) {
      for (Event e : TfRecords.events(f)) {
        if (e.getSessionLog().getStatus() == SessionLog.SessionStatus.START) {
          out.values().forEach(m -> m.tailMap(e.getStep(), true).clear()); // what a restart from there replaces
        }
        for (Summary.Value v : e.getSummary().getValueList()) {
          if (v.hasSimpleValue()) out.computeIfAbsent(v.getTag(), t -> new TreeMap<>()).put(e.getStep(), v.getSimpleValue());
        }
      }
    }
    return out;
  }

  @Test
  void aResumedRunLogsInANewFileThatRestartsAfterTheCheckpoint() throws Exception {
    // 256 rows in batches of 16 with 2 micro-batches per step: 8 steps an epoch, 2 epochs; top layer and head train
    Map<String, Object> o = Map.of("freeze.unfreeze_top", 1, "loop.epochs", 2, "validation.every_steps", 5,
        "loop.grad_accumulation", 2, "loop.checkpoint_every_steps", 2, "optimizer.encoder_learning_rate", 1e-3);
    Path run = dir.resolve("run"), board = run.resolve("tensorboard");
    try (TensorBoardLog log = TensorBoardLog.create(board)) {
      assertThrows(IllegalStateException.class, () -> TrainerTest.trainer(TrainerTest.config(o), run)
          .addListener(new TensorBoardListener(log))
          .addListener(TrainingListener.afterCheckpoint(s -> {
            if (s.step() == 12) throw new IllegalStateException("simulated crash");
          }))
          .train(TrainerTest.TRAIN, TrainerTest.VAL, false));
    }
    // within the same second the new file takes the name with a ".1" suffix, which still sorts after the first
    Trainer.Result r;
    try (TensorBoardLog log = TensorBoardLog.create(board)) {
      r = TrainerTest.trainer(TrainerTest.config(o), run).addListener(new TensorBoardListener(log)).train(TrainerTest.TRAIN,
          TrainerTest.VAL, true);
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(board)) {
      files = s.sorted().toList();
    }
    assertEquals(2, files.size());
    List<Event> second = TfRecords.events(files.get(1));
    assertEquals("brain.Event:2", second.get(0).getFileVersion());
    assertEquals(SessionLog.SessionStatus.START, second.get(1).getSessionLog().getStatus());
    assertEquals(13, second.get(1).getStep(), "the first step after last.ckpt (step 12)");

    Map<String, TreeMap<Long, Float>> s = scalars(board);
    List<Long> allSteps = new ArrayList<>();
    for (long k = 1; k <= r.state().step(); k++) allSteps.add(k);
    List<TrainerState.CurvePoint> curve = r.state().curve();
    assertEquals(allSteps, List.copyOf(s.get("train/loss").keySet()), "every step once, the crashed process's extra steps replaced");
    for (TrainerState.CurvePoint p : curve) {
      assertEquals((float) p.loss(), s.get("train/loss").get(p.step()), "train loss of step " + p.step());
      assertEquals((float) p.learningRate(), s.get("train/learning_rate/head").get(p.step()));
      assertTrue(s.get("train/grad_norm").get(p.step()) > 0, "gradient norm of step " + p.step());
    }
    assertEquals(allSteps, List.copyOf(s.get("train/learning_rate/encoder").keySet()), "one curve per trained group");
    assertEquals(1e-3f, java.util.Collections.max(s.get("train/learning_rate/encoder").values()), 1e-9, "the encoder's peak");
    assertEquals(0.01f, java.util.Collections.max(s.get("train/learning_rate/head").values()), 1e-8, "the head's peak");
    assertEquals(r.state().history().stream().map(TrainerState.HistoryRow::step).toList(), List.copyOf(s.get("val/macro_f1").keySet()));
    for (TrainerState.HistoryRow h : r.state().history()) {
      assertEquals((float) h.valLoss(), s.get("val/loss").get(h.step()));
      assertEquals((float) h.valAccuracy(), s.get("val/accuracy").get(h.step()));
      assertEquals((float) h.valMacroF1(), s.get("val/macro_f1").get(h.step()));
    }
  }
}
