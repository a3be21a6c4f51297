package dev.jtune.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.JtuneException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which single files a command may replace: those its sidecar manifest says jtune wrote. */
class OutputFileTest {
  @TempDir Path dir;

  private static final ProtectedPaths NOTHING_PROTECTED = new ProtectedPaths(Path.of("/nonexistent-cwd"), null, List.of());

  private static OutputFile claim(Path target, boolean force) {
    return OutputFile.claim(target, ArtifactKind.PREDICTIONS, NOTHING_PROTECTED, force, "--out");
  }

  private static void write(Path target, boolean force, String content) {
    claim(target, force).write(tmp -> Files.writeString(tmp, content));
  }

  private static String refusal(Path target, boolean force) {
    return assertThrows(JtuneException.class, () -> claim(target, force)).getMessage();
  }

  @Test
  void aFileIsRecordedInAHiddenSidecarAndRunningTwiceReplacesIt() throws Exception {
    Path out = dir.resolve("pred.csv");
    write(out, false, "v1");
    Manifest side = Manifest.read(dir.resolve(".pred.csv.jtune-manifest.json")).orElseThrow();
    assertEquals("predictions", side.kind());
    assertEquals("pred.csv", side.files().get(0).path());
    write(out, false, "v2");
    assertEquals("v2", Files.readString(out));
    UserFiles.assertNoTemporaries(dir);
  }

  @Test
  void aChangedFileIsRefusedAndForceReplacesIt() throws Exception {
    Path out = dir.resolve("pred.csv");
    write(out, false, "v1");
    Files.writeString(out, "edited");
    assertEquals(out + ": was written by jtune but changed since; pass --force to replace it or choose another --out", refusal(out, false));
    assertEquals("edited", Files.readString(out));
    write(out, true, "v2");
    assertEquals("v2", Files.readString(out));
  }

  @Test
  void aFileJtuneDidNotWriteIsRefusedEvenWithForce() throws Exception {
    Path out = dir.resolve("pred.csv");
    UserFiles user = new UserFiles().put(out, "mine".getBytes());
    assertEquals(out + ": file exists and was not written by jtune (no .pred.csv.jtune-manifest.json beside it); "
        + "choose another --out or remove it yourself", refusal(out, true));
    user.assertUnchanged();
  }

  @Test
  void aFolderOrAnotherKindIsRefused() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("pred"));
    assertEquals(folder + ": is a folder; --out takes a file path", refusal(folder, true));
    Path report = dir.resolve("bench.json");
    OutputFile.claim(report, ArtifactKind.BENCH_REPORT, NOTHING_PROTECTED, false, "--out").write(tmp -> Files.writeString(tmp, "{}"));
    assertTrue(refusal(report, true).contains("is a benchmark report written by jtune, not a predictions file"));
  }

  @Test
  void aFileChangedWhileTheCommandRanIsNotReplaced() throws Exception {
    Path out = dir.resolve("pred.csv");
    write(out, false, "v1");
    OutputFile claimed = claim(out, false);
    Path temp = claimed.newTemp();
    Files.writeString(temp, "v2");
    Files.writeString(out, "edited meanwhile");
    assertThrows(JtuneException.class, () -> claimed.commit(temp));
    assertEquals("edited meanwhile", Files.readString(out));
    UserFiles.assertNoTemporaries(dir);
  }
}
