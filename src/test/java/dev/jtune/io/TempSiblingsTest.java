package dev.jtune.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Temporaries left by killed runs: recognised by name and process, cleaned by the next run, nothing else touched. */
class TempSiblingsTest {
  @TempDir Path dir;

  private List<String> names() throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void namesCarryTheTargetAndTheProcess() {
    Path t = TempSiblings.tmpFor(dir.resolve("ds"));
    assertEquals(dir, t.getParent());
    String name = t.getFileName().toString();
    assertTrue(name.startsWith(".ds.jtune-tmp-" + ProcessHandle.current().pid() + "-"), name);
    assertTrue(TempSiblings.isTemp(name));
    assertFalse(TempSiblings.isTemp(".ds.tmp-12345"));
    assertFalse(TempSiblings.isTemp("ds"));
  }

  @Test
  void staleTemporariesOfDeadProcessesAreRemovedLiveOnesAndOtherEntriesKept() throws Exception {
    long dead = KilledProcess.pid();
    long live = ProcessHandle.current().pid();
    Path staleDir = Files.createDirectories(dir.resolve(".ds.jtune-tmp-" + dead + "-abcdefgh/sub"));
    Files.writeString(staleDir.resolve("train.csv"), "text,label\n");
    Files.writeString(dir.resolve(".report.json.jtune-tmp-" + dead + "-0123abcd"), "{");
    Files.createDirectories(dir.resolve(".ds.jtune-tmp-" + live + "-zzzzzzzz"));
    Files.createDirectories(dir.resolve(".ds.tmp-98765")); // not our form: never touched
    Files.writeString(dir.resolve(".ds.jtune-tmp-" + dead + "-short"), "not our form either");
    Files.writeString(dir.resolve("notes.jtune-tmp-" + dead + "-abcdefgh"), "not hidden: not ours");

    TempSiblings.removeStale(dir);

    assertEquals(java.util.Set.of(".ds.jtune-tmp-" + dead + "-short", ".ds.jtune-tmp-" + live + "-zzzzzzzz", ".ds.tmp-98765",
        "notes.jtune-tmp-" + dead + "-abcdefgh"), java.util.Set.copyOf(names()));
  }

  @Test
  void aStaleOldFolderWhoseReplacementArrivedHandsTheUsersEntriesToIt() throws Exception {
    long dead = KilledProcess.pid();
    Path target = Files.createDirectories(dir.resolve("ds"));
    Files.writeString(target.resolve("train.csv"), "new");
    Path old = Files.createDirectories(dir.resolve(".ds.jtune-old-" + dead + "-abcdefgh"));
    Files.writeString(old.resolve("train.csv"), "old");
    Manifest.scan(ArtifactKind.DATASET, old).write(Manifest.fileIn(old));
    byte[] notes = "mine".getBytes(StandardCharsets.UTF_8);
    Files.write(Files.createDirectories(old.resolve("mystuff")).resolve("notes.md"), notes);

    TempSiblings.removeStale(dir);

    assertEquals(List.of("ds"), names());
    assertEquals("new", Files.readString(target.resolve("train.csv")));
    assertArrayEquals(notes, Files.readAllBytes(target.resolve("mystuff/notes.md")));
  }

  @Test
  void aStaleOldFolderWhoseReplacementNeverArrivedGoesBackIntoPlace() throws Exception {
    long dead = KilledProcess.pid();
    Path old = Files.createDirectories(dir.resolve(".ds.jtune-old-" + dead + "-abcdefgh"));
    Files.writeString(old.resolve("train.csv"), "old");
    Files.createDirectories(dir.resolve(".ds.jtune-tmp-" + dead + "-abcdefgh"));

    TempSiblings.removeStale(dir);

    assertEquals(List.of("ds"), names());
    assertEquals("old", Files.readString(dir.resolve("ds/train.csv")));
  }
}
