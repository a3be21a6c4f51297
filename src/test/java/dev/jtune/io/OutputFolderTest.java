package dev.jtune.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.JtuneException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which folders a command may replace as a whole, and what happens to what is in them. */
class OutputFolderTest {
  @TempDir Path dir;

  private static final ProtectedPaths NOTHING_PROTECTED = new ProtectedPaths(Path.of("/nonexistent-cwd"), null, List.of());

  private static OutputFolder claim(Path target, boolean force) {
    return OutputFolder.claim(target, ArtifactKind.DATASET, NOTHING_PROTECTED, force, "--out");
  }

  private static void dataset(OutputFolder out, String content) {
    out.write(d -> {
      Files.writeString(d.resolve("train.csv"), content);
      Files.createDirectories(d.resolve("parts"));
      Files.writeString(d.resolve("parts/labels.txt"), "a\nb\n");
    });
  }

  private static String refusal(Path target, boolean force) {
    return assertThrows(JtuneException.class, () -> claim(target, force)).getMessage();
  }

  @Test
  void aNewFolderIsWrittenWithItsManifestAndNoTemporaries() throws Exception {
    Path out = dir.resolve("ds");
    dataset(claim(out, false), "v1");
    Manifest m = Manifest.read(Manifest.fileIn(out)).orElseThrow();
    assertEquals("dataset", m.kind());
    assertEquals(List.of("parts/labels.txt", "train.csv"), m.files().stream().map(Manifest.Entry::path).toList());
    assertEquals(List.of("parts"), m.dirs());
    assertEquals(Optional.empty(), m.difference(out, false));
    assertEquals(64, m.files().get(0).sha256().length());
    UserFiles.assertNoTemporaries(dir);
  }

  @Test
  void runningTwiceReplacesItsOwnOutput() throws Exception {
    Path out = dir.resolve("ds");
    dataset(claim(out, false), "v1");
    dataset(claim(out, false), "v2");
    assertEquals("v2", Files.readString(out.resolve("train.csv")));
    UserFiles.assertNoTemporaries(dir);
  }

  @Test
  void anEmptyFolderMayBeUsed() throws Exception {
    Path out = Files.createDirectories(dir.resolve("ds"));
    dataset(claim(out, false), "v1");
    assertEquals("v1", Files.readString(out.resolve("train.csv")));
  }

  @Test
  void aFolderWithOnlyAnEmptyReportIsNotADatasetEvenWithForce() throws Exception {
    Path out = Files.createDirectories(dir.resolve("ds"));
    UserFiles user = new UserFiles().put(out.resolve("prepare-report.json"), "{}".getBytes());
    assertTrue(refusal(out, false).contains("was not written by jtune"));
    assertEquals(out + ": folder exists and was not written by jtune (no .jtune-manifest.json); choose another --out or empty it yourself",
        refusal(out, true));
    user.assertUnchanged();
  }

  @Test
  void aChangedByteIsRefusedAndForceReplacesIt() throws Exception {
    Path out = dir.resolve("ds");
    dataset(claim(out, false), "v1");
    Files.writeString(out.resolve("train.csv"), "v!");
    assertEquals(out + ": holds a prepared dataset written by jtune that has changed since (train.csv was changed); "
        + "pass --force to replace it (entries you added are kept) or choose another --out", refusal(out, false));
    assertEquals("v!", Files.readString(out.resolve("train.csv")));
    dataset(claim(out, true), "v2");
    assertEquals("v2", Files.readString(out.resolve("train.csv")));
  }

  @Test
  void anExtraFileIsRefusedAndForceReplacesTheRestKeepingIt() throws Exception {
    Path out = dir.resolve("ds");
    dataset(claim(out, false), "v1");
    UserFiles user = UserFiles.inside(out).put(out.resolve("parts/mine.txt"), "mine".getBytes());
    assertTrue(refusal(out, false).contains("(parts/mine.txt was not written by jtune)"), refusal(out, false));
    user.assertUnchanged();

    dataset(claim(out, true), "v2");
    assertEquals("v2", Files.readString(out.resolve("train.csv")));
    user.assertUnchanged();
    assertEquals(List.of("parts/mine.txt", "sub", "thesis.txt"), Manifest.read(Manifest.fileIn(out)).orElseThrow().extras(out));
    UserFiles.assertNoTemporaries(dir);
    // the user's entries are still there, so a plain rerun is refused again
    assertThrows(JtuneException.class, () -> claim(out, false));
  }

  @Test
  void aUserEntryNamedLikeANewFileStopsTheReplacementBeforeAnythingChanges() throws Exception {
    Path out = dir.resolve("ds");
    dataset(claim(out, false), "v1");
    UserFiles user = new UserFiles().put(out.resolve("extra.csv"), "mine".getBytes());
    OutputFolder again = claim(out, true);
    JtuneException e = assertThrows(JtuneException.class, () -> again.write(d -> {
      Files.writeString(d.resolve("train.csv"), "v2");
      Files.writeString(d.resolve("extra.csv"), "jtune's");
    }));
    assertTrue(e.getMessage().startsWith(out.resolve("extra.csv") + ": your entry has the name of a file jtune writes"), e.getMessage());
    user.assertUnchanged();
    assertEquals("v1", Files.readString(out.resolve("train.csv")));
    UserFiles.assertNoTemporaries(dir);
  }

  @Test
  void anOutputOfAnotherKindIsRefusedEvenWithForce() throws Exception {
    Path out = dir.resolve("enc");
    OutputFolder.claim(out, ArtifactKind.ENCODER, NOTHING_PROTECTED, false, "--out").write(d -> Files.writeString(d.resolve("saved_model.pb"), "x"));
    assertEquals(out + ": holds an encoder SavedModel written by jtune, not a prepared dataset; choose another --out", refusal(out, true));
  }

  @Test
  void aFileIsNotAFolder() throws Exception {
    Path out = Files.writeString(dir.resolve("ds"), "a file");
    assertEquals(out + ": exists and is not a folder; choose another --out", refusal(out, true));
  }

  @Test
  void aFailedWriteLeavesThePreviousFolderAndNoTemporaries() throws Exception {
    Path out = dir.resolve("ds");
    dataset(claim(out, false), "v1");
    OutputFolder again = claim(out, false);
    assertThrows(IOException.class, () -> {
      try {
        again.write(d -> {
          Files.writeString(d.resolve("train.csv"), "half");
          throw new IOException("disk full");
        });
      } catch (java.io.UncheckedIOException e) {
        throw e.getCause();
      }
    });
    assertEquals("v1", Files.readString(out.resolve("train.csv")));
    UserFiles.assertNoTemporaries(dir);
  }

  @Test
  void aTemporaryFolderOfAKilledRunIsRemovedByTheNextClaim() throws Exception {
    long dead = KilledProcess.pid();
    Path stale = Files.createDirectories(dir.resolve(".ds.jtune-tmp-" + dead + "-abcdefgh"));
    Files.writeString(stale.resolve("train.csv"), "half written");
    Path live = Files.createDirectories(dir.resolve(".ds.jtune-tmp-" + ProcessHandle.current().pid() + "-abcdefgh"));
    claim(dir.resolve("ds"), false);
    assertFalse(Files.exists(stale));
    assertTrue(Files.exists(live), "a running process's temporary is kept");
  }
}
