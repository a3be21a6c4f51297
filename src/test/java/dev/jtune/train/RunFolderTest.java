package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.JtuneException;
import dev.jtune.io.KilledProcess;
import dev.jtune.io.Manifest;
import dev.jtune.io.ProtectedPaths;
import dev.jtune.io.UserFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a run folder may start: fresh, replaced with --force, or resumed; decided before anything is written. */
class RunFolderTest {
  @TempDir Path dir;

  private static final ProtectedPaths NOTHING_PROTECTED = new ProtectedPaths(Path.of("/nonexistent-cwd"), null, List.of());
  private static final TrainingConfig CONFIG = TrainerTest.config(java.util.Map.of());

  private static RunFolder claim(Path run, boolean resume, boolean force) {
    return RunFolder.claim(run, resume, force, NOTHING_PROTECTED);
  }

  private static String refusal(Path run, boolean resume, boolean force) {
    return assertThrows(JtuneException.class, () -> claim(run, resume, force)).getMessage();
  }

  /** A run as training leaves it: config, outputs, checkpoints, model; finished or not. */
  private static Path run(Path run, boolean finished) throws Exception {
    RunFolder f = claim(run, false, false);
    f.open(CONFIG);
    Files.createDirectories(run.resolve("checkpoints"));
    Files.writeString(run.resolve("checkpoints/last.ckpt"), "state");
    if (finished) {
      Files.createDirectories(run.resolve("model/variables"));
      Files.writeString(run.resolve("model/saved_model.pb"), "graph");
      Files.writeString(run.resolve("model/variables/variables.index"), "index");
      Files.writeString(run.resolve("metrics.json"), "{}");
      f.finish();
    }
    return run;
  }

  @Test
  void resumeNeedsAnExistingRun() throws Exception {
    Path missing = dir.resolve("runs/nope");
    assertEquals(missing + ": no run to resume (the folder does not exist); drop --resume to start a new run", refusal(missing, true, false));
    assertFalse(Files.exists(missing));
    Path empty = Files.createDirectories(dir.resolve("runs/empty"));
    assertTrue(refusal(empty, true, false).contains("no run to resume (the folder is empty)"));
  }

  @Test
  void aFreshRunIsMarkedInProgressAndRefusedWithoutResume() throws Exception {
    Path r = run(dir.resolve("r"), false);
    Manifest m = Manifest.read(Manifest.fileIn(r)).orElseThrow();
    assertFalse(m.complete());
    assertEquals(List.of("config.json"), m.files().stream().map(Manifest.Entry::path).toList());
    assertEquals(r + ": holds a run in progress; pass --resume to continue it or choose another --out", refusal(r, false, true));
    assertTrue(claim(r, true, false).resuming());
  }

  @Test
  void aFinishedRunRecordsItsFilesButNotTheUsers() throws Exception {
    Path r = run(dir.resolve("r"), false);
    UserFiles user = UserFiles.inside(r);
    RunFolder f = claim(r, true, false);
    f.open(CONFIG);
    Files.writeString(r.resolve("metrics.json"), "{}");
    f.finish();
    Manifest m = Manifest.read(Manifest.fileIn(r)).orElseThrow();
    assertTrue(m.complete());
    assertEquals(List.of("checkpoints/last.ckpt", "config.json", "metrics.json"), m.files().stream().map(Manifest.Entry::path).toList());
    assertEquals(List.of("sub", "thesis.txt"), m.extras(r));
    user.assertUnchanged();
  }

  @Test
  void forceReplacesAFinishedRunAndKeepsWhatTheUserAdded() throws Exception {
    Path r = run(dir.resolve("r"), true);
    UserFiles user = UserFiles.inside(r).and(new UserFiles().put(r.resolve("checkpoints/notes.txt"), "mine".getBytes()));
    assertEquals(r + ": holds a finished run; pass --force to replace it (files you added are kept), --resume to continue it, "
        + "or choose another --out", refusal(r, false, false));
    RunFolder f = claim(r, false, true);
    assertFalse(f.resuming());
    f.open(CONFIG);
    user.assertUnchanged();
    assertFalse(Files.exists(r.resolve("metrics.json")));
    assertFalse(Files.exists(r.resolve("model")));
    assertFalse(Files.exists(r.resolve("checkpoints/last.ckpt")));
    assertTrue(Files.isRegularFile(r.resolve("config.json")));
    assertFalse(Manifest.read(Manifest.fileIn(r)).orElseThrow().complete());
  }

  @Test
  void userFilesInsideModelAreRefusedBecauseModelIsReplacedAsAWhole() throws Exception {
    Path r = run(dir.resolve("r"), true);
    UserFiles user = new UserFiles().put(r.resolve("model/notes.txt"), "mine".getBytes());
    assertEquals(r.resolve("model/notes.txt") + ": was not written by jtune, and jtune replaces model/ as a whole; "
        + "move it out of the run folder and run again", refusal(r, false, true));
    assertTrue(refusal(r, true, false).contains("model/notes.txt: was not written by jtune"));
    user.assertUnchanged();
  }

  @Test
  void resumingAChangedFinishedRunNeedsForce() throws Exception {
    Path r = run(dir.resolve("r"), true);
    Files.writeString(r.resolve("metrics.json"), "{\"edited\": true}");
    assertTrue(refusal(r, true, false).contains("holds a finished run that has changed since jtune wrote it (metrics.json was changed)"));
    assertTrue(claim(r, true, true).resuming());
  }

  @Test
  void aRunWrittenBeforeManifestsIsRecognisedByItsLayoutForResumeOnly() throws Exception {
    Path r = Files.createDirectories(dir.resolve("old"));
    CONFIG.write(r.resolve("config.json"));
    Files.createDirectories(r.resolve("checkpoints"));
    Files.writeString(r.resolve("checkpoints/last.ckpt"), "state");
    Files.writeString(r.resolve("history.csv"), "step\n");
    Files.writeString(r.resolve(".exported"), "");
    assertTrue(refusal(r, false, true).contains("holds a run written before jtune recorded its runs"));
    RunFolder f = claim(r, true, false);
    f.open(CONFIG);
    f.finish();
    assertEquals(List.of("checkpoints/last.ckpt", "config.json", "history.csv"),
        Manifest.read(Manifest.fileIn(r)).orElseThrow().files().stream().map(Manifest.Entry::path).toList());
  }

  @Test
  void aUsersFolderIsNeitherResumedNorReplaced() throws Exception {
    Path r = Files.createDirectories(dir.resolve("mine"));
    UserFiles user = UserFiles.inside(r).and(new UserFiles().put(r.resolve("config.json"), "{\"not\": \"a config\"}".getBytes()));
    assertEquals(r + ": folder exists and was not written by jtune (config.json is not a training config); choose another --out "
        + "or empty it yourself", refusal(r, false, true));
    assertTrue(refusal(r, true, true).contains("was not written by jtune"));
    CONFIG.write(r.resolve("config.json"));
    user = UserFiles.inside(r).and(UserFiles.existing(r.resolve("config.json")));
    assertTrue(refusal(r, true, false).contains("(sub is not part of a run)"));
    user.assertUnchanged();
  }

  @Test
  void temporariesOfAKilledRunAreRemovedBeforeTheFolderIsJudged() throws Exception {
    long dead = KilledProcess.pid();
    // killed while writing config.json: the folder holds nothing but that temporary
    Path first = Files.createDirectories(dir.resolve("first"));
    Path config = Files.writeString(first.resolve(".config.json.jtune-tmp-" + dead + "-abcdefgh"), "{");
    assertFalse(claim(first, false, false).resuming());
    assertFalse(Files.exists(config));

    // killed while writing a checkpoint and while replacing model/
    Path r = run(dir.resolve("r"), false);
    Path ckpt = Files.writeString(r.resolve("checkpoints/.last.ckpt.jtune-tmp-" + dead + "-abcdefgh"), "half");
    Path model = Files.createDirectories(r.resolve(".model.jtune-tmp-" + dead + "-abcdefgh/variables"));
    Path live = Files.writeString(r.resolve("checkpoints/.best.ckpt.jtune-tmp-" + ProcessHandle.current().pid() + "-abcdefgh"), "busy");
    assertTrue(claim(r, true, false).resuming());
    assertFalse(Files.exists(ckpt));
    assertFalse(Files.exists(model.getParent()));
    assertTrue(Files.exists(live), "a running process's temporary is kept");
  }
}
