package dev.jtune.io;

import dev.jtune.JtuneException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Files a command adds to a folder jtune wrote earlier (evaluation reports into a run folder),
 * checked before any work starts and recorded in that folder's manifest afterwards. An existing
 * file of the same name is replaced only when the manifest records it and it is unchanged since,
 * or, with {@code force}, when the manifest records it. A file the manifest does not record is the
 * user's and is refused even with {@code force}. In a folder without a manifest, only files that do
 * not exist yet are written (and nothing is recorded).
 */
public final class FolderAdditions {
  private final Path dir;
  private final List<String> names;
  private final boolean recorded;

  private FolderAdditions(Path dir, List<String> names, boolean recorded) {
    this.dir = dir;
    this.names = names;
    this.recorded = recorded;
  }

  /**
   * Checks that the files {@code names} may be written into {@code dir}, which should hold
   * {@code kind}; a {@link JtuneException} in one line names the first file that may not.
   */
  public static FolderAdditions claim(Path dir, ArtifactKind kind, List<String> names, ProtectedPaths protectedPaths, boolean force) {
    TempSiblings.removeStale(dir);
    Optional<Manifest> manifest = Manifest.read(Manifest.fileIn(dir));
    if (manifest.isPresent() && manifest.get().artifactKind() != kind) {
      throw new JtuneException(dir + ": holds " + OutputFolder.describe(manifest.get()) + " written by jtune, not "
          + kind.description());
    }
    for (String name : names) {
      Path file = dir.resolve(name);
      protectedPaths.check(file, "folder");
      if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) continue;
      if (manifest.isEmpty()) {
        throw new JtuneException(file + ": exists, and " + dir + " has no " + Manifest.FILE_NAME
            + " to tell whether jtune wrote it; move the file away and run again");
      }
      Optional<Manifest.Entry> entry = manifest.get().files().stream().filter(e -> e.path().equals(name)).findFirst();
      if (entry.isEmpty() || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new JtuneException(file + ": was not written by jtune (not recorded in " + Manifest.fileIn(dir)
            + "); move it away and run again");
      }
      Manifest only = new Manifest(kind.id(), null, true, List.of(entry.get()), List.of());
      if (!force && only.difference(dir, true).isPresent()) {
        throw new JtuneException(file + ": was written by jtune but changed since; pass --force to replace it or move it away");
      }
    }
    return new FolderAdditions(dir, List.copyOf(names), manifest.isPresent());
  }

  /** Where to write {@code name}. */
  public Path file(String name) {
    if (!names.contains(name)) throw new IllegalArgumentException(name + " was not claimed");
    return dir.resolve(name);
  }

  /** Records the written files in the folder's manifest (atomically), when it has one. */
  public void record() {
    if (!recorded) return;
    Path file = Manifest.fileIn(dir);
    Manifest.read(file).ifPresent(m -> m.withFiles(dir, names).write(file));
  }
}
